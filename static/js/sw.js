// Rallypoint service worker: event pages a participant opened stay readable offline.
// Event pages and their live feed: network first, the last copy when offline.
// The app's own scripts and styles: from the cache, refreshed behind. Tiles seen before: cached.
"use strict";
var VERSION = "rallypoint-v1";
var PAGES = VERSION + "-pages";
var ASSETS = VERSION + "-assets";
var TILES = VERSION + "-tiles";
var MAX_TILES = 400;
var EVENT_PAGE = /^\/e\/[^/]+\/?$/;
var EVENT_DATA = /^\/e\/[^/]+\/(live\.json|route\.geojson)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    fetch("/offline-assets.json")
      .then(function (r) { return r.json(); })
      .then(function (urls) {
        return caches.open(ASSETS).then(function (cache) { return cache.addAll(urls); });
      })
      .catch(function () {})
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf(VERSION) !== 0;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request, cacheName) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function cacheFirst(request, cacheName, limit) {
  return caches.match(request).then(function (cached) {
    if (cached) return cached;
    return fetch(request).then(function (response) {
      if (response.ok || response.type === "opaque") {
        var copy = response.clone();
        caches.open(cacheName).then(function (cache) {
          cache.put(request, copy);
          if (limit) {
            cache.keys().then(function (keys) {
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
  return caches.open(cacheName).then(function (cache) {
    return cache.match(request).then(function (cached) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (cached) {
        fresh.catch(function () {});
        return cached;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (request.destination === "image") event.respondWith(cacheFirst(request, TILES, MAX_TILES));
    return;
  }
  if (EVENT_PAGE.test(url.pathname) || EVENT_DATA.test(url.pathname)) {
    event.respondWith(networkFirst(request, PAGES));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(request, ASSETS));
  }
});
