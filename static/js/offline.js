// Offline support: registers the service worker (which keeps the pages a participant opened)
// and says so on the page when the network is gone.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}
const banner = document.querySelector('[data-offline-banner]');
if (banner) {
  const update = () => { banner.hidden = navigator.onLine !== false; };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
}
