// "Use my location": fills the hidden coordinates from the phone's GPS and submits.
// Without JavaScript (or without GPS) the nearest-place list still works.
// Its words come translated in the form's data-i18n JSON, with English fallbacks here.
(function () {
  "use strict";
  var form = document.getElementById("position-form");
  var button = document.getElementById("use-location");
  if (!form || !button || !("geolocation" in navigator)) return;
  var status = document.getElementById("location-status");
  var i18n = {};
  try {
    i18n = JSON.parse(form.getAttribute("data-i18n") || "{}") || {};
  } catch (err) { /* keep the English fallbacks */ }
  function word(key, fallback) {
    return typeof i18n[key] === "string" ? i18n[key] : fallback;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = word("finding", "Finding your location…");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        form.elements.place.value = "";
        form.submit();
      },
      function () {
        status.textContent = word("unavailable",
          "Your location is not available. Pick the nearest place instead.");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  });
})();
