// "Use my location": fills the hidden coordinates from the phone's GPS and submits.
// Without JavaScript (or without GPS) the nearest-place list still works.
// Its words come translated in the form's data-i18n JSON, with English fallbacks here.
import { readWords, word } from './i18n.js';

function offerLocation(form, button) {
  const status = document.getElementById('location-status');
  const i18n = readWords(form);
  button.hidden = false;
  button.addEventListener('click', () => {
    status.textContent = word(i18n, 'finding', 'Finding your location…');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        form.elements.place.value = '';
        form.submit();
      },
      () => {
        status.textContent = word(i18n, 'unavailable',
          'Your location is not available. Pick the nearest place instead.');
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  });
}

const form = document.getElementById('position-form');
const button = document.getElementById('use-location');
if (form && button && 'geolocation' in navigator) offerLocation(form, button);
