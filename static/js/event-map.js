/* The route map on event pages: the walked line, numbered waypoints, the places beside the
 * line (toilets, first aid ...) and a legend.
 *
 * An enhancement only: the page already lists every waypoint as text. The map box stays
 * hidden (map.css) until this script marks it .map--ready, so a page whose Leaflet did not
 * load shows no empty frame. No inline code or style attributes anywhere: the CSP allows
 * neither, so DOM nodes are built with createElement and styled by classes.
 *
 * Words come translated in the data block's "i18n" (macros/map.html); the English here is
 * only the fallback. Their placeholders are written {name}.
 */
import { fill, word } from './i18n.js';
import { createMap, fit, kindName, kindOf, kindsOf, readData, routeMaps } from './map-base.js';

function routeLine(map, points) {
  // A white casing under the line keeps it readable on any tile colour, or on none.
  L.polyline(points, { className: 'route-line-casing', interactive: false, weight: 11,
    color: '#ffffff', opacity: 0.95 }).addTo(map);
  return L.polyline(points, { className: 'route-line', interactive: false, weight: 6,
    color: '#b3261e', opacity: 1 }).addTo(map);
}

// Marked sections (steps, steep, rough, narrow, no exit) drawn over the line, dashed in their
// kind's colour (map.css), each with a popup saying its kind and note.
function sectionLines(map, sections, sectionKinds, i18n) {
  return sections.filter((s) => Array.isArray(s.points) && s.points.length >= 2).map((s) => {
    const kind = sectionKindOf(sectionKinds, s.kind);
    const line = L.polyline(s.points, { className: `route-section-line route-section-line--${kind}`,
      weight: 8, opacity: 1 }).addTo(map);
    const box = document.createElement('div');
    box.className = 'waypoint-popup';
    const title = document.createElement('strong');
    title.textContent = sectionName(i18n, kind);
    box.append(title);
    if (s.note) {
      const note = document.createElement('span');
      note.textContent = s.note;
      box.append(note);
    }
    line.bindPopup(box);
    return line;
  });
}

// The section kinds come from the data block (macros/map.html, models.enums.SectionKind), in
// the legend's order; an unknown one is drawn as the first.
function sectionKindsOf(data) {
  return Array.isArray(data.section_kinds) && data.section_kinds.length
    ? data.section_kinds : ['steps'];
}

function sectionKindOf(sectionKinds, kind) {
  return sectionKinds.includes(kind) ? kind : sectionKinds[0];
}

function sectionName(i18n, kind) {
  const names = (i18n && i18n.sections) || {};
  return typeof names[kind] === 'string' ? names[kind] : kindName({}, kind);
}

function alternativeLine(map, points) {
  if (!Array.isArray(points) || points.length < 2) return null;
  return L.polyline(points, { className: 'route-alternative', interactive: false, weight: 6,
    opacity: 1 }).addTo(map);
}

function waypointIcon(n, kind) {
  const number = document.createElement('span');
  number.className = 'waypoint-marker__n';
  number.textContent = String(n);
  return L.divIcon({
    html: number,
    className: `waypoint-marker waypoint-marker--${kind}`,
    iconSize: [36, 36],
    iconAnchor: [18, 18],
    popupAnchor: [0, -16],
  });
}

function popupContent(waypoint, kind, i18n) {
  const box = document.createElement('div');
  box.className = 'waypoint-popup';
  const title = document.createElement('strong');
  title.textContent = `${waypoint.n}. ${waypoint.label}`;
  const kindText = document.createElement('span');
  kindText.className = 'waypoint-popup__kind';
  kindText.textContent = kindName(i18n, kind);
  box.append(title, kindText);
  return box;
}

function waypointMarker(waypoint, kinds, i18n) {
  const kind = kindOf(kinds, waypoint.kind);
  const description = `${waypoint.n}. ${waypoint.label} (${kindName(i18n, kind)})`;
  const marker = L.marker([waypoint.lat, waypoint.lon], {
    icon: waypointIcon(waypoint.n, kind),
    title: description,
    keyboard: true, // tabindex=0 and Enter opens the popup
    riseOnHover: true,
  });
  marker.bindPopup(popupContent(waypoint, kind, i18n));
  marker.on('add', () => {
    const el = marker.getElement();
    if (el) {
      el.setAttribute('aria-label',
        fill(word(i18n, 'waypoint', 'Waypoint {description}'), { description }));
    }
  });
  return marker;
}

// Places beside the route (toilets, first aid ...): not on the line, so drawn as their own
// markers in their kind's colour (map.css), without a number, each with a popup.
function placeMarker(place, kinds, i18n) {
  const kind = kindOf(kinds, place.kind);
  const description = `${kindName(i18n, kind)}: ${place.label}`;
  const marker = L.marker([place.lat, place.lon], {
    icon: L.divIcon({
      html: '',
      className: `waypoint-marker place-marker waypoint-marker--${kind}`,
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      popupAnchor: [0, -14],
    }),
    title: description,
    keyboard: true,
    riseOnHover: true,
  });
  const box = document.createElement('div');
  box.className = 'waypoint-popup';
  const title = document.createElement('strong');
  title.textContent = place.label;
  const kindText = document.createElement('span');
  kindText.className = 'waypoint-popup__kind';
  kindText.textContent = kindName(i18n, kind);
  box.append(title, kindText);
  if (place.note) {
    const note = document.createElement('span');
    note.textContent = place.note;
    box.append(note);
  }
  marker.bindPopup(box);
  marker.on('add', () => {
    const el = marker.getElement();
    if (el) {
      el.setAttribute('data-place-kind', kind);
      const text = word(i18n, 'place', 'Place beside the route: {description}');
      el.setAttribute('aria-label', fill(text, { description }));
    }
  });
  return marker;
}

function legendLine(list, kind, text) {
  const item = L.DomUtil.create('li', 'map-legend__item', list);
  item.setAttribute('data-legend-line', kind);
  L.DomUtil.create('span', `map-legend__line map-legend__line--${kind}`, item);
  item.append(document.createTextNode(text));
}

// `lines`: the section kinds present, in the legend's order; `alternative`: whether one is drawn.
function legendControl(kinds, lines, alternative, i18n) {
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => {
    const list = L.DomUtil.create('ul', 'map-legend');
    list.setAttribute('aria-label', word(i18n, 'legend', 'Map legend'));
    kinds.forEach((kind) => {
      const item = L.DomUtil.create('li', 'map-legend__item', list);
      L.DomUtil.create('span', `map-legend__swatch waypoint-marker--${kind}`, item);
      item.append(document.createTextNode(kindName(i18n, kind)));
    });
    lines.forEach((kind) => legendLine(list, kind, sectionName(i18n, kind)));
    if (alternative) {
      legendLine(list, 'alternative', word(i18n, 'step_free', 'Step-free alternative'));
    }
    L.DomEvent.disableClickPropagation(list);
    return list;
  };
  return legend;
}

// The kinds present on the route, in the legend's order.
function legendKinds(kinds, waypoints) {
  const present = new Set(waypoints.map((w) => kindOf(kinds, w.kind)));
  return kinds.filter((kind) => present.has(kind));
}

function showRouteMap(container) {
  const data = readData(container);
  if (!data) return null;
  const points = (data.points || []).filter((p) => p && p.length >= 2);
  const waypoints = data.waypoints || [];
  if (!points.length && !waypoints.length) return null; // nothing to show: stay hidden
  const map = createMap(container, data);
  const i18n = data.i18n || {};
  const alternative = alternativeLine(map, data.alternative);
  const line = routeLine(map, points);
  const sections = data.sections || [];
  const sectionKinds = sectionKindsOf(data);
  sectionLines(map, sections, sectionKinds, i18n);
  const kinds = kindsOf(data);
  const markers = waypoints.map((w) => waypointMarker(w, kinds, i18n).addTo(map));
  const places = (data.places || []).filter((p) => p && typeof p.lat === 'number');
  places.forEach((p) => placeMarker(p, kinds, i18n).addTo(map));
  const byNumber = {};
  waypoints.forEach((w, i) => { byNumber[String(w.n)] = markers[i]; });
  const present = new Set(sections.map((s) => sectionKindOf(sectionKinds, s.kind)));
  const lines = sectionKinds.filter((kind) => present.has(kind));
  const spots = waypoints.concat(places);
  const legend = spots.length || lines.length || alternative
    ? legendControl(legendKinds(kinds, spots), lines, Boolean(alternative), i18n).addTo(map)
    : null;
  const extra = alternative ? data.alternative : [];
  fit(map, points.concat(spots.map((w) => [w.lat, w.lon]), extra),
    legend ? legend.getContainer().offsetHeight : 0);
  return { map, line, markers, byNumber, container };
}

function reducedMotion() {
  return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

function highlight(entry, marker) {
  const behavior = reducedMotion() ? 'auto' : 'smooth';
  entry.container.scrollIntoView({ block: 'center', behavior });
  // Centre without animation: an animated pan and the popup's own auto-pan would fight.
  entry.map.setView(marker.getLatLng(), entry.map.getZoom(), { animate: false });
  marker.openPopup();
}

function onHighlightClick(event) {
  const trigger = event.target.closest && event.target.closest('[data-waypoint-n]');
  if (!trigger) return;
  const n = trigger.getAttribute('data-waypoint-n');
  const entry = routeMaps.find((e) => e.byNumber[n]);
  if (!entry) return;
  // An in-page link ("#route-map") would jump; we scroll to the map ourselves instead.
  if (trigger.tagName === 'A' && (trigger.getAttribute('href') || '').charAt(0) === '#') {
    event.preventDefault();
  }
  highlight(entry, entry.byNumber[n]);
}

// Modules run once the page is parsed: the map boxes are all there. Without Leaflet the text
// on the page says everything.
if (window.L) {
  document.querySelectorAll('.map[data-map-data]:not(.map--editor)').forEach((el) => {
    const entry = showRouteMap(el);
    if (entry) routeMaps.push(entry);
  });
  document.addEventListener('click', onHighlightClick);
  // The buttons come hidden: without a map (no JavaScript, no Leaflet) they would do nothing.
  if (routeMaps.length) {
    document.querySelectorAll('button[data-waypoint-n][hidden]').forEach((button) => {
      button.hidden = false;
    });
  }
}
// The browser tests' hook: they read the drawn line.
window.__rallypointTestMaps = routeMaps;
