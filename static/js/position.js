// "Use my location": fills the hidden coordinates from the phone's GPS and submits.
// Without JavaScript (or without GPS) the nearest-place list still works.
(function () {
  "use strict";
  var form = document.getElementById("position-form");
  var button = document.getElementById("use-location");
  if (!form || !button || !("geolocation" in navigator)) return;
  var status = document.getElementById("location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        form.elements.place.value = "";
        form.submit();
      },
      function () {
        status.textContent = "Your location is not available. Pick the nearest place instead.";
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  });
})();
