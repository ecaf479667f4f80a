/* The route map on event pages: the walked line, numbered waypoints and a legend.
 *
 * An enhancement only: the page already lists every waypoint as text. The map box stays
 * hidden (map.css) until this script marks it .map--ready, so a page whose Leaflet did not
 * load shows no empty frame. No inline code or style attributes anywhere: the CSP allows
 * neither, so DOM nodes are built with createElement and styled by classes.
 *
 * Also shares helpers with route-editor.js as window.RallypointMap.
 *
 * Words come translated in the data block's "i18n" (macros/map.html); the English here is
 * only the fallback. Their placeholders are written {name}.
 */
(function () {
  'use strict';
  if (!window.L) return; // Leaflet did not load: the text on the page says everything

  // English fallbacks, in the legend's order.
  const KIND_NAMES = {
    assembly: 'Assembly',
    stop: 'Stop',
    end: 'End',
    first_aid: 'First aid',
    toilets: 'Toilets',
    other: 'Other',
  };
  const MAX_ZOOM = 19;
  const FIT_PADDING = 28;

  function kindOf(value) {
    return Object.prototype.hasOwnProperty.call(KIND_NAMES, value) ? value : 'other';
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  // One pass, so a user's label containing "{kind}" is never filled in again.
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return has(values, key) ? String(values[key]) : whole;
    });
  }

  // The translated word for `key` from a data block's i18n, else the English fallback.
  function word(i18n, key, fallback) {
    return i18n && typeof i18n[key] === 'string' ? i18n[key] : fallback;
  }

  function kindName(i18n, kind) {
    const names = (i18n && i18n.kinds) || {};
    const key = kindOf(kind);
    return typeof names[key] === 'string' ? names[key] : KIND_NAMES[key];
  }

  function pageLanguage() {
    return document.documentElement.lang || 'en';
  }

  // forms: {"one": .., "few": .., "many": .., "other": ..} as Intl.PluralRules names them.
  function plural(forms, n, fallbackOne, fallbackOther) {
    let category = n === 1 ? 'one' : 'other';
    try {
      category = new Intl.PluralRules(pageLanguage()).select(n);
    } catch (err) { /* an unknown language tag: English rules */ }
    if (forms && typeof forms[category] === 'string') return forms[category];
    if (forms && typeof forms.other === 'string') return forms.other;
    return n === 1 ? fallbackOne : fallbackOther;
  }

  function readData(container) {
    const block = document.getElementById(container.getAttribute('data-map-data') || '');
    if (!block) return null;
    try {
      return JSON.parse(block.textContent);
    } catch (err) {
      return null;
    }
  }

  function escapeHtml(text) {
    // Leaflet shows attributions as HTML; ours is configuration text, so it is escaped.
    const div = document.createElement('div');
    div.textContent = text;
    return div.innerHTML;
  }

  function createMap(container, data, options) {
    container.classList.add('map--ready'); // Leaflet needs the box to have a size first
    const map = L.map(container, Object.assign({ maxZoom: MAX_ZOOM, scrollWheelZoom: false },
      options || {}));
    const tiles = (data && data.tiles) || {};
    if (tiles.url) {
      L.tileLayer(tiles.url, {
        maxZoom: MAX_ZOOM,
        attribution: escapeHtml(tiles.attribution || ''),
        // A tile server need not learn which event page a participant is reading.
        referrerPolicy: 'no-referrer',
      }).addTo(map);
    }
    return map;
  }

  function routeLine(map, points) {
    // A white casing under the line keeps it readable on any tile colour, or on none.
    L.polyline(points, { className: 'route-line-casing', interactive: false, weight: 11,
      color: '#ffffff', opacity: 0.95 }).addTo(map);
    return L.polyline(points, { className: 'route-line', interactive: false, weight: 6,
      color: '#b3261e', opacity: 1 }).addTo(map);
  }

  function waypointIcon(n, kind) {
    const number = document.createElement('span');
    number.className = 'waypoint-marker__n';
    number.textContent = String(n);
    return L.divIcon({
      html: number,
      className: 'waypoint-marker waypoint-marker--' + kindOf(kind),
      iconSize: [36, 36],
      iconAnchor: [18, 18],
      popupAnchor: [0, -16],
    });
  }

  function describe(waypoint, i18n) {
    return waypoint.n + '. ' + waypoint.label + ' (' + kindName(i18n, waypoint.kind) + ')';
  }

  function popupContent(waypoint, i18n) {
    const box = document.createElement('div');
    box.className = 'waypoint-popup';
    const title = document.createElement('strong');
    title.textContent = waypoint.n + '. ' + waypoint.label;
    const kind = document.createElement('span');
    kind.className = 'waypoint-popup__kind';
    kind.textContent = kindName(i18n, waypoint.kind);
    box.append(title, kind);
    return box;
  }

  function waypointMarker(waypoint, i18n) {
    const description = describe(waypoint, i18n);
    const marker = L.marker([waypoint.lat, waypoint.lon], {
      icon: waypointIcon(waypoint.n, waypoint.kind),
      title: description,
      keyboard: true, // tabindex=0 and Enter opens the popup
      riseOnHover: true,
    });
    marker.bindPopup(popupContent(waypoint, i18n));
    marker.on('add', function () {
      const el = marker.getElement();
      if (el) {
        el.setAttribute('aria-label',
          fill(word(i18n, 'waypoint', 'Waypoint {description}'), { description: description }));
      }
    });
    return marker;
  }

  const Legend = L.Control.extend({
    options: { position: 'bottomleft' },
    initialize: function (kinds, i18n, options) {
      L.setOptions(this, options);
      this._kinds = kinds;
      this._i18n = i18n;
    },
    onAdd: function () {
      const i18n = this._i18n;
      const list = L.DomUtil.create('ul', 'map-legend');
      list.setAttribute('aria-label', word(i18n, 'legend', 'Map legend'));
      this._kinds.forEach(function (kind) {
        const item = L.DomUtil.create('li', 'map-legend__item', list);
        L.DomUtil.create('span', 'map-legend__swatch waypoint-marker--' + kind, item);
        item.append(document.createTextNode(kindName(i18n, kind)));
      });
      L.DomEvent.disableClickPropagation(list);
      return list;
    },
  });

  function legendKinds(waypoints) {
    const present = new Set(waypoints.map(function (w) { return kindOf(w.kind); }));
    return Object.keys(KIND_NAMES).filter(function (kind) { return present.has(kind); });
  }

  // `bottom`: pixels covered by a control at the bottom (the legend), kept free of route.
  function fit(map, latlngs, bottom) {
    if (!latlngs.length) return false;
    const bounds = L.latLngBounds(latlngs);
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), 16);
    } else {
      map.fitBounds(bounds, {
        paddingTopLeft: [FIT_PADDING, FIT_PADDING],
        paddingBottomRight: [FIT_PADDING, FIT_PADDING + (bottom || 0)],
        maxZoom: 17,
      });
    }
    return true;
  }

  function showRouteMap(container) {
    const data = readData(container);
    if (!data) return null;
    const points = (data.points || []).filter(function (p) { return p && p.length >= 2; });
    const waypoints = data.waypoints || [];
    if (!points.length && !waypoints.length) return null; // nothing to show: stay hidden
    const map = createMap(container, data);
    const line = routeLine(map, points);
    const i18n = data.i18n || {};
    const markers = waypoints.map(function (w) { return waypointMarker(w, i18n).addTo(map); });
    const byNumber = {};
    waypoints.forEach(function (w, i) { byNumber[String(w.n)] = markers[i]; });
    const legend = waypoints.length ? new Legend(legendKinds(waypoints), i18n).addTo(map) : null;
    fit(map, points.concat(waypoints.map(function (w) { return [w.lat, w.lon]; })),
      legend ? legend.getContainer().offsetHeight : 0);
    return { map: map, line: line, markers: markers, byNumber: byNumber, container: container };
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function highlight(entry, marker) {
    const behavior = reducedMotion() ? 'auto' : 'smooth';
    entry.container.scrollIntoView({ block: 'center', behavior: behavior });
    // Centre without animation: an animated pan and the popup's own auto-pan would fight.
    entry.map.setView(marker.getLatLng(), entry.map.getZoom(), { animate: false });
    marker.openPopup();
  }

  function onHighlightClick(event) {
    const trigger = event.target.closest && event.target.closest('[data-waypoint-n]');
    if (!trigger) return;
    const n = trigger.getAttribute('data-waypoint-n');
    const entry = (window.rallypointMaps || []).find(function (e) { return e.byNumber[n]; });
    if (!entry) return;
    // An in-page link ("#route-map") would jump; we scroll to the map ourselves instead.
    if (trigger.tagName === 'A' && (trigger.getAttribute('href') || '').charAt(0) === '#') {
      event.preventDefault();
    }
    highlight(entry, entry.byNumber[n]);
  }

  function init() {
    window.rallypointMaps = window.rallypointMaps || [];
    document.querySelectorAll('.map[data-map-data]:not(.map--editor)').forEach(function (el) {
      const entry = showRouteMap(el);
      if (entry) window.rallypointMaps.push(entry);
    });
    document.addEventListener('click', onHighlightClick);
  }

  window.RallypointMap = {
    KIND_NAMES: KIND_NAMES,
    kindOf: kindOf,
    kindName: kindName,
    fill: fill,
    word: word,
    plural: plural,
    pageLanguage: pageLanguage,
    readData: readData,
    createMap: createMap,
    fit: fit,
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
