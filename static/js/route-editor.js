/* The organiser's route editor: draw the walked line on a map.
 *
 * The form's textarea (one point per line, "lat, lon" or "lat, lon, label, kind") stays the
 * source of truth: every map change rewrites it and the normal form POST saves it, so the
 * page works the same without JavaScript, and typing in it redraws the map. The text format
 * mirrors services/route/geo.py parse_text/format_text; the server checks it again on save.
 * Words shown come from the data block's "i18n" (macros/map.html), with English fallbacks.
 */
(function () {
  'use strict';
  const shared = window.RallypointMap;
  if (!window.L || !shared) return; // without Leaflet the textarea alone does the job

  const BERLIN = [52.52, 13.405];
  const DEFAULT_ZOOM = 13;
  const TYPING_PAUSE_MS = 400;
  const MAX_UNDO = 200;
  const MAX_LABEL = 120;
  const EARTH_RADIUS_M = 6371008.8;
  const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
  const DECIMAL_COMMA = /^[0-9]+(?:\s*,\s*[0-9]+)?$/;
  const KINDS = Object.keys(shared.KIND_NAMES);

  function word(ed, key, fallback) {
    return shared.word(ed.i18n, key, fallback);
  }

  // --- the text format --------------------------------------------------------------------

  function canonicalKind(word) {
    const kind = word.trim().toLowerCase().replace(/[\s_-]+/g, '_');
    return KINDS.indexOf(kind) >= 0 ? kind : null;
  }

  function tidy(label) {
    return label.replace(/[\u0000-\u001f\u007f]/g, ' ').split(/\s+/).filter(Boolean).join(' ');
  }

  function round6(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function num(value) {
    const text = value.toFixed(6).replace(/\.?0+$/, '');
    return text === '-0' ? '0' : text;
  }

  function fields(line) {
    // Like Python's line.split(",", 2): the label keeps any further commas.
    const first = line.indexOf(',');
    if (first < 0) return [line];
    const second = line.indexOf(',', first + 1);
    const parts = second < 0 ? [line.slice(0, first), line.slice(first + 1)]
      : [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)];
    return parts.map(function (part) { return part.trim(); });
  }

  function parseLine(line) {
    const f = fields(line);
    if (f.length < 2) return null;
    if (line.indexOf('.') < 0 && f.length === 3 && DECIMAL_COMMA.test(f[2])) return null;
    if (!NUMBER.test(f[0]) || !NUMBER.test(f[1])) return null;
    const lat = Number(f[0]);
    const lon = Number(f[1]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    let label = f.length === 3 ? f[2] : '';
    let kind = null;
    const comma = label.lastIndexOf(',');
    if (comma >= 0 && canonicalKind(label.slice(comma + 1))) {
      kind = canonicalKind(label.slice(comma + 1));
      label = label.slice(0, comma);
    }
    label = tidy(label);
    if ((kind && !label) || label.length > MAX_LABEL) return null;
    return { lat: round6(lat), lon: round6(lon), label: label, kind: kind };
  }

  // Entries are points, or lines kept as they were typed (comments, lines not understood) so
  // that a map edit never silently deletes what the organiser wrote.
  function parseText(text) {
    const entries = [];
    const problems = [];
    text.split(/\r\n|\r|\n/).forEach(function (raw, i) {
      const line = raw.trim();
      if (!line) return;
      const point = line.charAt(0) === '#' ? null : parseLine(line);
      if (point) {
        entries.push(point);
      } else {
        entries.push({ raw: line });
        if (line.charAt(0) !== '#') problems.push(i + 1);
      }
    });
    numberWaypoints(entries);
    return { entries: entries, problems: problems };
  }

  function isPoint(entry) {
    return entry.raw === undefined;
  }

  // Same rule as the server: without a kind the first waypoint is the assembly, the last is
  // the end when it sits on the final point, the others are stops.
  function numberWaypoints(entries) {
    const points = entries.filter(isPoint);
    const labelled = points.filter(function (p) { return p.label; });
    const last = labelled[labelled.length - 1];
    const lastIsEnd = last !== undefined && last === points[points.length - 1];
    labelled.forEach(function (p, i) {
      p.n = i + 1;
      if (p.kind) p.shownKind = p.kind;
      else if (i === 0) p.shownKind = 'assembly';
      else p.shownKind = lastIsEnd && i === labelled.length - 1 ? 'end' : 'stop';
    });
  }

  function formatEntry(entry) {
    if (!isPoint(entry)) return entry.raw;
    const line = num(entry.lat) + ', ' + num(entry.lon);
    if (!entry.label) return line;
    let kind = entry.kind;
    const comma = entry.label.lastIndexOf(',');
    if (!kind && comma >= 0 && canonicalKind(entry.label.slice(comma + 1))) {
      kind = entry.shownKind; // else the label's tail would be read back as its kind
    }
    return line + ', ' + entry.label + (kind ? ', ' + kind : '');
  }

  function formatText(entries) {
    numberWaypoints(entries);
    return entries.map(function (e) { return formatEntry(e) + '\n'; }).join('');
  }

  function lengthKm(points) {
    let metres = 0;
    for (let i = 1; i < points.length; i += 1) {
      const a = points[i - 1];
      const b = points[i];
      const rad = Math.PI / 180;
      const h = Math.pow(Math.sin((b.lat - a.lat) * rad / 2), 2) + Math.cos(a.lat * rad) *
        Math.cos(b.lat * rad) * Math.pow(Math.sin((b.lon - a.lon) * rad / 2), 2);
      metres += 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
    }
    return metres / 1000;
  }

  // --- small DOM helpers (no innerHTML: labels are user text) -----------------------------

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
    input.id = ed.textarea.id + '-vertex-' + name; // no name attribute: never submitted
    label.htmlFor = input.id;
    box.append(label, input);
    return box;
  }

  function control(position, node) {
    L.DomEvent.disableClickPropagation(node); // a tap on a button must not add a point
    L.DomEvent.disableScrollPropagation(node);
    const Control = L.Control.extend({ onAdd: function () { return node; } });
    return new Control({ position: position });
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
    write(ed, formatText(ed.entries), true);
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
    const points = ed.entries.filter(isPoint).map(function (p) { return [p.lat, p.lon]; });
    if (points.length && !ed.map.getBounds().intersects(L.latLngBounds(points))) {
      shared.fit(ed.map, points);
    }
    return true;
  }

  function load(ed) {
    const parsed = parseText(ed.textarea.value);
    ed.entries = parsed.entries;
    ed.problems = parsed.problems;
    redraw(ed);
  }

  function redraw(ed) {
    ed.map.closePopup();
    ed.layer.clearLayers();
    const points = ed.entries.filter(isPoint);
    ed.line.setLatLngs(points.map(function (p) { return [p.lat, p.lon]; }));
    ed.vertices = points.map(function (p, i) { return vertex(ed, p, i, points.length); });
    ed.undoButton.disabled = ed.undo.length === 0;
    ed.clearButton.disabled = ed.entries.length === 0;
    const km = lengthKm(points).toLocaleString(shared.pageLanguage(),
      { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const summary = shared.plural((ed.i18n || {}).summary, points.length,
      '{n} point, {km} km', '{n} points, {km} km');
    ed.summary.textContent = shared.fill(summary, { n: points.length, km: km });
    ed.problem.textContent = ed.problems.length
      ? shared.fill(word(ed, 'problems',
        'Not on the map (not “latitude, longitude”): line {lines}.'),
      { lines: ed.problems.join(', ') }) : '';
  }

  function vertex(ed, entry, index, total) {
    const dot = el('span', 'route-vertex__dot', entry.label ? String(entry.n) : undefined);
    const size = entry.label ? 34 : 28;
    const values = { index: index + 1, total: total };
    let name = shared.fill(word(ed, 'point', 'Point {index} of {total}'), values);
    if (entry.label) {
      name = shared.fill(word(ed, 'point_waypoint',
        'Point {index} of {total}, waypoint {n}: {label} ({kind})'),
      Object.assign(values, { n: entry.n, label: entry.label,
        kind: shared.kindName(ed.i18n, entry.shownKind) }));
    }
    const marker = L.marker([entry.lat, entry.lon], {
      icon: L.divIcon({
        html: dot,
        className: 'route-vertex' +
          (entry.label ? ' route-vertex--waypoint waypoint-marker--' + entry.shownKind : ''),
        iconSize: [size, size],
        iconAnchor: [size / 2, size / 2],
      }),
      draggable: true,
      keyboard: true,
      title: name,
      autoPan: true,
    });
    marker.on('dragstart', function () { sync(ed); });
    marker.on('drag', function () {
      const latlngs = ed.line.getLatLngs();
      latlngs[index] = marker.getLatLng();
      ed.line.setLatLngs(latlngs);
    });
    marker.on('dragend', function () {
      const at = marker.getLatLng().wrap();
      change(ed, function () { entry.lat = round6(at.lat); entry.lon = round6(at.lng); });
    });
    marker.bindPopup(function () { return vertexPopup(ed, entry, name); },
      // Keep the popup clear of the zoom buttons and the Undo/Clear toolbar at the top.
      { minWidth: 230, maxWidth: 280, autoPanPaddingTopLeft: [12, 64],
        autoPanPaddingBottomRight: [12, 12] });
    marker.on('popupopen', function (e) {
      const first = e.popup.getElement().querySelector('button');
      if (first) first.focus({ preventScroll: true });
    });
    marker.on('add', function () { marker.getElement().setAttribute('aria-label', name); });
    ed.layer.addLayer(marker);
    return marker;
  }

  function vertexPopup(ed, entry, name) {
    const box = el('div', 'vertex-popup');
    box.append(el('p', 'vertex-popup__title', name));
    box.append(button(word(ed, 'remove_point', 'Remove point'), function () {
      fromPopup(ed, function (entries) { entries.splice(entries.indexOf(entry), 1); });
    }));
    const input = el('input');
    input.type = 'text';
    input.maxLength = MAX_LABEL;
    input.value = entry.label || '';
    const select = el('select');
    // "Automatic": the first is the assembly, the last the end, the others stops.
    select.append(new Option(word(ed, 'automatic', 'Automatic'), ''));
    KINDS.forEach(function (k) { select.append(new Option(shared.kindName(ed.i18n, k), k)); });
    select.value = entry.kind || '';
    const error = el('p', 'error');
    error.setAttribute('role', 'alert');
    function save() {
      const label = tidy(input.value).slice(0, MAX_LABEL);
      if (!label) {
        error.textContent = word(ed, 'name_needed',
          'Write a name for the waypoint, for example “Potsdamer Platz”.');
        input.focus();
        return;
      }
      fromPopup(ed, function () { entry.label = label; entry.kind = select.value || null; });
    }
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); save(); } // Enter would submit the form
    });
    const actions = el('div', 'button-row');
    actions.append(button(entry.label ? word(ed, 'save_waypoint', 'Save waypoint')
      : word(ed, 'make_waypoint', 'Make waypoint'), save, 'button'));
    if (entry.label) {
      actions.append(button(word(ed, 'remove_waypoint', 'Remove waypoint'), function () {
        fromPopup(ed, function () { entry.label = ''; entry.kind = null; });
      }));
    }
    box.append(field(ed, 'label', word(ed, 'waypoint_name', 'Waypoint name'), input),
      field(ed, 'kind', word(ed, 'kind', 'Kind'), select),
      error, actions);
    return box;
  }

  function setUp(container) {
    const textarea = document.getElementById(container.getAttribute('data-editor-for') || '');
    if (!textarea) return null;
    const data = shared.readData(container) || {};
    // No double-click zoom: its two clicks would add two points.
    const map = shared.createMap(container, data,
      { doubleClickZoom: false, scrollWheelZoom: true });
    const ed = {
      map: map,
      textarea: textarea,
      i18n: data.i18n || {},
      line: L.polyline([], { className: 'route-line', interactive: false, weight: 5,
        color: '#b3261e' }).addTo(map),
      layer: L.layerGroup().addTo(map),
      vertices: [],
      entries: [],
      problems: [],
      undo: [],
      lastValue: textarea.value,
      timer: null,
    };
    const bar = el('div', 'map-toolbar');
    ed.undoButton = button(word(ed, 'undo', 'Undo'), function () {
      sync(ed);
      if (ed.undo.length) write(ed, ed.undo.pop(), false);
    });
    ed.clearButton = button(word(ed, 'clear', 'Clear'), function () {
      sync(ed);
      change(ed, function (entries) { entries.splice(0); });
    });
    bar.append(ed.undoButton, ed.clearButton);
    control('topright', bar).addTo(map);
    const status = el('p', 'map-editor-status');
    status.setAttribute('aria-live', 'polite');
    ed.summary = el('span', 'map-editor-status__summary');
    ed.problem = el('span', 'map-editor-status__problem');
    status.append(ed.summary, ' ', ed.problem);
    container.after(status);

    // A popup closes on the tap outside it; that tap must not also add a point.
    let popupWasOpen = false;
    map.on('preclick', function () {
      popupWasOpen = ed.vertices.some(function (m) { return m.isPopupOpen(); });
    });
    map.on('click', function (e) {
      if (popupWasOpen) return;
      sync(ed);
      const at = e.latlng.wrap();
      change(ed, function (entries) {
        entries.push({ lat: round6(at.lat), lon: round6(at.lng), label: '', kind: null });
      });
    });
    textarea.addEventListener('input', function () {
      if (ed.writing) return;
      clearTimeout(ed.timer);
      ed.timer = setTimeout(function () { ed.timer = null; readTyping(ed); }, TYPING_PAUSE_MS);
    });

    const points = parseText(textarea.value).entries.filter(isPoint)
      .map(function (p) { return [p.lat, p.lon]; });
    if (!shared.fit(map, points)) map.setView(data.center || BERLIN, data.zoom || DEFAULT_ZOOM);
    load(ed);
    return ed;
  }

  function init() {
    window.rallypointEditors = window.rallypointEditors || [];
    document.querySelectorAll('.map--editor[data-editor-for]').forEach(function (container) {
      const ed = setUp(container);
      if (ed) window.rallypointEditors.push(ed);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
