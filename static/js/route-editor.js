/* The organiser's route editor: draw the walked line on a map.
 *
 * The form's textarea (one point per line, "lat, lon" or "lat, lon, label, kind") stays the
 * source of truth: every map change rewrites it and the normal form POST saves it, so the
 * page works the same without JavaScript, and typing in it redraws the map. The text format
 * is route-text.js, which follows services/route's parse_text/format_text (a shared test
 * corpus proves it); the server checks the text again on save.
 * Words shown come from the data block's "i18n" (macros/map.html), with English fallbacks.
 */
import { fill, pageLanguage, plural, word } from './i18n.js';
import { createMap, fit, kindName, kindsOf, readData } from './map-base.js';
import { MAX_LABEL, formatText, isPoint, parseText, round6, tidy } from './route-text.js';

const BERLIN = [52.52, 13.405];
const DEFAULT_ZOOM = 13;
const TYPING_PAUSE_MS = 400;
const MAX_UNDO = 200;
const EARTH_RADIUS_M = 6371008.8;

// The editors on this page; the browser tests' hook reads their line.
const editors = [];

function say(ed, key, fallback) {
  return word(ed.i18n, key, fallback);
}

// services/events/schedule.py's FOLLOW_WITHIN_M: how far a schedule item follows its waypoint.
const FOLLOW_WITHIN_M = 150;

function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const h = Math.sin((b.lat - a.lat) * rad / 2) ** 2 + Math.cos(a.lat * rad)
    * Math.cos(b.lat * rad) * Math.sin((b.lon - a.lon) * rad / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function lengthKm(points) {
  let metres = 0;
  for (let i = 1; i < points.length; i += 1) metres += metresBetween(points[i - 1], points[i]);
  return metres / 1000;
}

// --- small DOM helpers (no innerHTML: labels are user text) -------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, className) {
  const node = el('button', className || 'button button--secondary', label);
  node.type = 'button'; // the editor sits inside the event form: never submit it
  node.addEventListener('click', onClick);
  return node;
}

function field(ed, name, text, input) {
  const box = el('div', 'field');
  const label = el('label', '', text);
  input.id = `${ed.textarea.id}-vertex-${name}`; // no name attribute: never submitted
  label.htmlFor = input.id;
  box.append(label, input);
  return box;
}

function control(position, node) {
  L.DomEvent.disableClickPropagation(node); // a tap on a button must not add a point
  L.DomEvent.disableScrollPropagation(node);
  const box = L.control({ position });
  box.onAdd = () => node;
  return box;
}

// --- the editor ---------------------------------------------------------------------------

// Every change goes through write(): textarea first, then the map is drawn from it.
function write(ed, value, remember) {
  if (remember && value !== ed.lastValue) {
    ed.undo.push(ed.lastValue);
    if (ed.undo.length > MAX_UNDO) ed.undo.shift();
  }
  ed.textarea.value = value;
  ed.lastValue = value;
  ed.writing = true; // our own input event must not be read back as typing
  ed.textarea.dispatchEvent(new Event('input', { bubbles: true }));
  ed.writing = false;
  load(ed);
}

function change(ed, mutate) {
  mutate(ed.entries);
  write(ed, formatText(ed.entries, ed.kinds), true);
}

// The popup closes with the redraw; focus goes back to the map, not to the page's top.
function fromPopup(ed, mutate) {
  change(ed, mutate);
  ed.map.getContainer().focus({ preventScroll: true });
}

// Apply pending typing now, so a map gesture acts on what the textarea says.
function sync(ed) {
  if (!ed.timer) return false;
  clearTimeout(ed.timer);
  ed.timer = null;
  return readTyping(ed);
}

function readTyping(ed) {
  const value = ed.textarea.value;
  if (value === ed.lastValue) return false;
  ed.undo.push(ed.lastValue);
  ed.lastValue = value;
  load(ed);
  const points = ed.entries.filter(isPoint).map((p) => [p.lat, p.lon]);
  if (points.length && !ed.map.getBounds().intersects(L.latLngBounds(points))) {
    fit(ed.map, points);
  }
  return true;
}

function load(ed) {
  const parsed = parseText(ed.textarea.value, ed.kinds);
  ed.entries = parsed.entries;
  ed.problems = parsed.problems;
  redraw(ed);
}

function redraw(ed) {
  ed.map.closePopup();
  ed.layer.clearLayers();
  const points = ed.entries.filter(isPoint);
  ed.line.setLatLngs(points.map((p) => [p.lat, p.lon]));
  ed.vertices = points.map((p, i) => vertex(ed, p, i, points.length));
  ed.undoButton.disabled = ed.undo.length === 0;
  ed.clearButton.disabled = ed.entries.length === 0;
  const km = lengthKm(points).toLocaleString(pageLanguage(),
    { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const summary = plural(ed.i18n.summary, points.length,
    '{n} point, {km} km', '{n} points, {km} km');
  ed.summary.textContent = fill(summary, { n: points.length, km });
  ed.problem.textContent = ed.problems.length
    ? fill(say(ed, 'problems', 'Not on the map (not “latitude, longitude”): line {lines}.'),
      { lines: ed.problems.join(', ') })
    : '';
  // The page's own warning (after a save that was held back) says it until the route changes.
  if (ed.schedule.length && !(ed.serverWarning && ed.textarea.value === ed.shownValue)) {
    if (ed.serverWarning) ed.serverWarning.hidden = true;
    showPlaceChanges(ed);
  }
}

// --- what the route being drawn does to the schedule -------------------------------------
// The rule of services/events/schedule.py's follow_waypoint, said while the organiser edits:
// an item stays at the waypoint with its label, else moves to the nearest one within
// FOLLOW_WITHIN_M, else has no fixed place. The server says it again before it stores.

function follows(item, waypoints) {
  const same = waypoints.find((w) => w.label === item.label);
  if (same) return same;
  let best = null;
  waypoints.forEach((w) => {
    const metres = metresBetween(item, w);
    if (metres <= FOLLOW_WITHIN_M && (!best || metres < best.metres)) best = { metres, w };
  });
  return best ? best.w : null;
}

function showPlaceChanges(ed) {
  const waypoints = ed.entries.filter((e) => isPoint(e) && e.label);
  const lines = [];
  ed.schedule.forEach((item) => {
    const to = follows(item, waypoints);
    if (to && to.label === item.label) return;
    const values = { time: item.time, title: item.title, place: item.label };
    lines.push(to
      ? fill(say(ed, 'moves', '{time} {title} at {place}: it will move to {new_place}, '
        + 'the nearest waypoint of the new route.'), { ...values, new_place: to.label })
      : fill(say(ed, 'no_place', '{time} {title} at {place}: no waypoint of the new route is '
        + 'near it; it will have no fixed place.'), values));
  });
  ed.placeBox.hidden = lines.length === 0;
  ed.placeHeading.textContent = fill(plural(ed.i18n.place_changes, lines.length,
    'Not saved yet: the new route changes the place of {n} schedule item.',
    'Not saved yet: the new route changes the place of {n} schedule items.'), { n: lines.length });
  ed.placeList.replaceChildren(...lines.map((line) => el('li', '', line)));
}

function placeChangesBox(ed, container) {
  ed.placeBox = el('div', 'notice notice--warning map-editor-schedule');
  ed.placeBox.setAttribute('aria-live', 'polite');
  ed.placeHeading = el('p', 'map-editor-schedule__heading');
  ed.placeList = el('ul');
  ed.placeBox.append(ed.placeHeading, ed.placeList);
  ed.placeBox.hidden = true;
  container.after(ed.placeBox);
}

function vertex(ed, entry, index, total) {
  const dot = el('span', 'route-vertex__dot', entry.label ? String(entry.n) : undefined);
  const size = entry.label ? 34 : 28;
  const values = { index: index + 1, total };
  let name = fill(say(ed, 'point', 'Point {index} of {total}'), values);
  if (entry.label) {
    name = fill(say(ed, 'point_waypoint',
      'Point {index} of {total}, waypoint {n}: {label} ({kind})'),
    { ...values, n: entry.n, label: entry.label, kind: kindName(ed.i18n, entry.shownKind) });
  }
  const marker = L.marker([entry.lat, entry.lon], {
    icon: L.divIcon({
      html: dot,
      className: entry.label
        ? `route-vertex route-vertex--waypoint waypoint-marker--${entry.shownKind}`
        : 'route-vertex',
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
    }),
    draggable: true,
    keyboard: true,
    title: name,
    autoPan: true,
  });
  marker.on('dragstart', () => { sync(ed); });
  marker.on('drag', () => {
    const latlngs = ed.line.getLatLngs();
    latlngs[index] = marker.getLatLng();
    ed.line.setLatLngs(latlngs);
  });
  marker.on('dragend', () => {
    const at = marker.getLatLng().wrap();
    change(ed, () => { entry.lat = round6(at.lat); entry.lon = round6(at.lng); });
  });
  marker.bindPopup(() => vertexPopup(ed, entry, name),
    // Keep the popup clear of the zoom buttons and the Undo/Clear toolbar at the top.
    { minWidth: 230, maxWidth: 280, autoPanPaddingTopLeft: [12, 64],
      autoPanPaddingBottomRight: [12, 12] });
  marker.on('popupopen', (e) => {
    const first = e.popup.getElement().querySelector('button');
    if (first) first.focus({ preventScroll: true });
  });
  marker.on('add', () => { marker.getElement().setAttribute('aria-label', name); });
  ed.layer.addLayer(marker);
  return marker;
}

function vertexPopup(ed, entry, name) {
  const box = el('div', 'vertex-popup');
  box.append(el('p', 'vertex-popup__title', name));
  box.append(button(say(ed, 'remove_point', 'Remove point'), () => {
    fromPopup(ed, (entries) => { entries.splice(entries.indexOf(entry), 1); });
  }));
  const input = el('input');
  input.type = 'text';
  input.maxLength = MAX_LABEL;
  input.value = entry.label || '';
  const select = el('select');
  // "Automatic": the first is the assembly, the last the end, the others stops.
  select.append(new Option(say(ed, 'automatic', 'Automatic'), ''));
  ed.kinds.forEach((k) => { select.append(new Option(kindName(ed.i18n, k), k)); });
  select.value = entry.kind || '';
  const error = el('p', 'error');
  error.setAttribute('role', 'alert');
  function save() {
    const label = tidy(input.value).slice(0, MAX_LABEL);
    if (!label) {
      error.textContent = say(ed, 'name_needed',
        'Write a name for the waypoint, for example “Potsdamer Platz”.');
      input.focus();
      return;
    }
    fromPopup(ed, () => { entry.label = label; entry.kind = select.value || null; });
  }
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); save(); } // Enter would submit the form
  });
  const actions = el('div', 'button-row');
  actions.append(button(entry.label ? say(ed, 'save_waypoint', 'Save waypoint')
    : say(ed, 'make_waypoint', 'Make waypoint'), save, 'button'));
  if (entry.label) {
    actions.append(button(say(ed, 'remove_waypoint', 'Remove waypoint'), () => {
      fromPopup(ed, () => { entry.label = ''; entry.kind = null; });
    }));
  }
  box.append(field(ed, 'label', say(ed, 'waypoint_name', 'Waypoint name'), input),
    field(ed, 'kind', say(ed, 'kind', 'Kind'), select),
    error, actions);
  return box;
}

function setUp(container) {
  const textarea = document.getElementById(container.getAttribute('data-editor-for') || '');
  if (!textarea) return null;
  const data = readData(container) || {};
  // No double-click zoom: its two clicks would add two points.
  const map = createMap(container, data, { doubleClickZoom: false, scrollWheelZoom: true });
  const ed = {
    map,
    textarea,
    i18n: data.i18n || {},
    kinds: kindsOf(data),
    line: L.polyline([], { className: 'route-line', interactive: false, weight: 5,
      color: '#b3261e' }).addTo(map),
    layer: L.layerGroup().addTo(map),
    vertices: [],
    entries: [],
    problems: [],
    undo: [],
    lastValue: textarea.value,
    timer: null,
    // Schedule items at a waypoint: {time, title, label, lat, lon} (routes/organise/route.py).
    schedule: Array.isArray(data.schedule) ? data.schedule : [],
    serverWarning: document.querySelector('#route-warning[data-typed]'),
    shownValue: textarea.value,
  };
  const bar = el('div', 'map-toolbar');
  ed.undoButton = button(say(ed, 'undo', 'Undo'), () => {
    sync(ed);
    if (ed.undo.length) write(ed, ed.undo.pop(), false);
  });
  ed.clearButton = button(say(ed, 'clear', 'Clear'), () => {
    sync(ed);
    change(ed, (entries) => { entries.splice(0); });
  });
  bar.append(ed.undoButton, ed.clearButton);
  control('topright', bar).addTo(map);
  const status = el('p', 'map-editor-status');
  status.setAttribute('aria-live', 'polite');
  ed.summary = el('span', 'map-editor-status__summary');
  ed.problem = el('span', 'map-editor-status__problem');
  status.append(ed.summary, ' ', ed.problem);
  container.after(status);
  if (ed.schedule.length) placeChangesBox(ed, status);

  // A popup closes on the tap outside it; that tap must not also add a point.
  let popupWasOpen = false;
  map.on('preclick', () => {
    popupWasOpen = ed.vertices.some((m) => m.isPopupOpen());
  });
  map.on('click', (e) => {
    if (popupWasOpen) return;
    sync(ed);
    const at = e.latlng.wrap();
    change(ed, (entries) => {
      entries.push({ lat: round6(at.lat), lon: round6(at.lng), label: '', kind: null });
    });
  });
  textarea.addEventListener('input', () => {
    if (ed.writing) return;
    clearTimeout(ed.timer);
    ed.timer = setTimeout(() => { ed.timer = null; readTyping(ed); }, TYPING_PAUSE_MS);
  });

  const points = parseText(textarea.value, ed.kinds).entries.filter(isPoint)
    .map((p) => [p.lat, p.lon]);
  if (!fit(map, points)) map.setView(data.center || BERLIN, data.zoom || DEFAULT_ZOOM);
  load(ed);
  return ed;
}

// Modules run once the page is parsed. Without Leaflet the textarea alone does the job.
if (window.L) {
  document.querySelectorAll('.map--editor[data-editor-for]').forEach((container) => {
    const ed = setUp(container);
    if (ed) editors.push(ed);
  });
}
window.__rallypointTestEditors = editors;
