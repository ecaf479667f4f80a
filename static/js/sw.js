// Rallypoint service worker: event pages a participant opened stay readable offline.
// Event pages and their live feed: network first, the last copy when offline. Only public
// copies are kept: never a no-store response (an organiser's draft preview) or a private one
// (a page made for a logged-in organiser), so a phone keeps nothing a stranger could not see.
// The app's own scripts and styles: from the cache, refreshed behind. Tiles seen before: cached.
// Any other page, or a form sent, without a connection: our "you are offline" page (kept at
// install, in the phone's language, and refreshed with every event page), never the browser's.
// A steward's check-in page: kept once opened online (its script asks, with the scripts and
// styles it uses), so that it opens again without a connection and check-ins queue on the
// phone. Only the GET page of one steward link, which lists no names; never the name search
// or an answer to a code. A 404 (the link revoked or expired) drops the copy.
// Push alerts (at the end): shown as a notification; a tap opens the event page.
//
// A classic script, not a module: it imports nothing, and Firefox runs module service
// workers only in its most recent releases.
'use strict';
// v2: v1 kept draft previews; activating v2 deletes its caches. v3: keeps the offline page.
// (v3 also gained the steward's check-in cache: new, so there was nothing older to delete.)
const VERSION = 'rallypoint-v3';
const PAGES = `${VERSION}-pages`;
const ASSETS = `${VERSION}-assets`;
const TILES = `${VERSION}-tiles`;
const MAX_TILES = 400;
const EVENT_PAGE = /^\/e\/[^/]+\/?$/;
const EVENT_DATA = /^\/e\/[^/]+\/(live\.json|route\.geojson|qr\.svg)$/;
const OFFLINE_PAGE = '/offline';
const CHECKIN = `${VERSION}-checkin`;
const MAX_CHECKIN_PAGES = 5;
const CHECKIN_PAGE = /^\/steward\/[^/]+\/checkin$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch('/offline-assets.json')
      .then((r) => r.json())
      .then((urls) => caches.open(ASSETS).then((cache) => cache.addAll(urls)))
      .catch(() => {})
      .then(() => caches.open(PAGES).then((cache) => cache.add(OFFLINE_PAGE)))
      .catch(() => {})
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.indexOf(VERSION) !== 0)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function cacheControl(response) {
  return (response.headers.get('Cache-Control') || '').toLowerCase().split(/\s*,\s*/);
}

function networkFirst(request, cacheName) {
  return fetch(request).then((response) => {
    const control = cacheControl(response);
    if (control.includes('no-store')) {
      // Not to be kept, and neither is an older copy from this address.
      caches.open(cacheName).then((cache) => cache.delete(request, { ignoreVary: true }));
    } else if (response.ok && !control.includes('private')) {
      const copy = response.clone();
      caches.open(cacheName).then((cache) => { cache.put(request, copy); });
      // The offline page follows the language the phone now uses.
      if (request.mode === 'navigate') {
        caches.open(PAGES).then((cache) => cache.add(OFFLINE_PAGE)).catch(() => {});
      }
    }
    return response;
  }).catch(() => caches.match(request, { ignoreVary: true })
    .then((cached) => cached || Response.error()));
}

function cacheFirst(request, cacheName, limit) {
  return caches.match(request).then((cached) => {
    if (cached) return cached;
    return fetch(request).then((response) => {
      if (response.ok || response.type === 'opaque') {
        const copy = response.clone();
        caches.open(cacheName).then((cache) => {
          cache.put(request, copy);
          if (limit) {
            cache.keys().then((keys) => {
              if (keys.length > limit) cache.delete(keys[0]);
            });
          }
        });
      }
      return response;
    });
  });
}

// Our own scripts and styles: answer from the cache at once, refresh it in the background,
// so a deploy reaches phones on their next visit without costing this one a round trip.
function staleWhileRevalidate(request, cacheName) {
  return caches.open(cacheName).then((cache) => cache.match(request).then((cached) => {
    const fresh = fetch(request).then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    });
    if (cached) {
      fresh.catch(() => {});
      return cached;
    }
    return fresh;
  }));
}

// --- the steward's check-in page ------------------------------------------------------------

// One copy per steward link, under its address without a query; the newest few links only.
function checkinKey(url) {
  return new Request(url.origin + url.pathname);
}

function keepCheckinPage(url, response) {
  const key = checkinKey(url);
  return caches.open(CHECKIN).then((cache) => {
    if (response.status === 404 || response.status === 410) return cache.delete(key);
    if (!response.ok || response.redirected || url.search) return null;
    return cache.delete(key) // put last, so that the oldest link is the first key
      .then(() => cache.put(key, response))
      .then(() => cache.keys())
      .then((keys) => Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_CHECKIN_PAGES))
        .map((old) => cache.delete(old))));
  }).catch(() => {});
}

function checkinPage(request) {
  const url = new URL(request.url);
  return fetch(request).then((response) => keepCheckinPage(url, response.clone())
    .then(() => response))
    .catch(() => caches.match(checkinKey(url), { cacheName: CHECKIN, ignoreVary: true })
      .then((cached) => cached || offlinePage()));
}

// The page asks to be kept (posted by static/js/checkin.js once the worker is ready): the
// page itself unless this visit already went through the worker, and the scripts and styles
// it named (our /static/ files only). Answers {kept} on the port given.
function keepForSteward(client, data) {
  const url = new URL(client.url);
  if (url.origin !== self.location.origin || !CHECKIN_PAGE.test(url.pathname)) {
    return Promise.resolve(false);
  }
  const clean = new URL(url.origin + url.pathname);
  const page = data.served ? Promise.resolve()
    : fetch(clean.href, { credentials: 'same-origin' })
      .then((response) => keepCheckinPage(clean, response)).catch(() => {});
  const assets = (Array.isArray(data.assets) ? data.assets : []).slice(0, 20)
    .map((asset) => new URL(String(asset), url))
    .filter((asset) => asset.origin === url.origin && asset.pathname.indexOf('/static/') === 0);
  const stored = caches.open(ASSETS).then((cache) => Promise.all(assets.map((asset) => cache
    .match(asset.href).then((hit) => hit || cache.add(asset.href)).catch(() => {}))));
  return Promise.all([page, stored])
    .then(() => caches.match(checkinKey(url), { cacheName: CHECKIN }))
    .then((copy) => !!copy);
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'keep-checkin' || !event.source || !event.ports[0]) return;
  const port = event.ports[0];
  event.waitUntil(Promise.resolve()
    .then(() => keepForSteward(event.source, data))
    .catch(() => false)
    .then((kept) => port.postMessage({ kept })));
});

function offlinePage() {
  return caches.match(OFFLINE_PAGE, { ignoreVary: true })
    .then((page) => page || Response.error());
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const ours = url.origin === self.location.origin;
  if (ours && request.mode === 'navigate' && request.method === 'GET'
      && CHECKIN_PAGE.test(url.pathname)) {
    event.respondWith(checkinPage(request));
    return;
  }
  if (ours && request.mode === 'navigate' && !EVENT_PAGE.test(url.pathname)) {
    // A link or a form to a page we do not keep (the RSVP form, a calendar file...).
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (request.method !== 'GET') return;
  if (!ours) {
    if (request.destination === 'image') event.respondWith(cacheFirst(request, TILES, MAX_TILES));
    return;
  }
  if (EVENT_PAGE.test(url.pathname) || EVENT_DATA.test(url.pathname)) {
    event.respondWith(networkFirst(request, PAGES));
  } else if (url.pathname.indexOf('/static/') === 0) {
    event.respondWith(staleWhileRevalidate(request, ASSETS));
  } else if (url.pathname.indexOf('/tiles/') === 0) {
    event.respondWith(cacheFirst(request, TILES, MAX_TILES)); // our own tile proxy
  }
});

// Push alerts (services/push): the worker sends {title, body, url, tag}, encrypted for this
// browser; show it, and open (or bring forward) the event page on a tap. Only the path of
// the URL is used, on our own origin: an alert can never open another site.
function alertPath(url) {
  try {
    return new URL(url, self.location.origin).pathname;
  } catch {
    return '/';
  }
}

self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const path = alertPath(data.url || '/');
  event.waitUntil(self.registration.showNotification(data.title || 'Rallypoint', {
    body: data.body || '',
    tag: data.tag || 'rallypoint',
    renotify: true,
    requireInteraction: true,
    icon: '/static/img/icon.svg',
    data: { path },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = alertPath((event.notification.data && event.notification.data.path) || '/');
  const url = self.location.origin + path;
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    .then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname === path);
      if (open) return open.focus().then((w) => (w ? w.navigate(url) : null)).catch(() => null);
      return self.clients.openWindow(url);
    }));
});
