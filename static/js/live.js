// Live updates on an event page: polls the small JSON feed (an unchanged feed costs a 304),
// shows new updates, the march's position on the map and in words, and marks the schedule.
// Its words come translated in the root's data-i18n JSON (macros/map.html live_i18n), with
// English fallbacks here; their placeholders are written {name}.
import { fill, plural, readWords, word } from './i18n.js';
import { routeMaps } from './map-base.js';

const FALLBACK = {
  just_now: 'just now',
  front: 'The front of the march',
  end: 'The end of the march',
  front_near: 'The front of the march was near {place}, {ago}.',
  end_near: 'The end of the march was near {place}, {ago}.',
  front_on_route: 'The front of the march was on the route, {ago}.',
  end_on_route: 'The end of the march was on the route, {ago}.',
  front_updated: 'The front of the march, updated {ago}',
  end_updated: 'The end of the march, updated {ago}',
  legend_position: 'Where the march is',
};

// "Where the march is", added to the map's legend once the first position arrives.
function addToLegend(container, text) {
  const legend = container && container.querySelector('.map-legend');
  if (!legend || legend.querySelector('.march-position-swatch')) return;
  const item = document.createElement('li');
  item.className = 'map-legend__item';
  const swatch = document.createElement('span');
  swatch.className = 'map-legend__swatch march-position-swatch';
  item.append(swatch, document.createTextNode(text));
  legend.append(item);
}

function startLive(root) {
  const url = root.getAttribute('data-live-url');
  const interval = Math.max(1, parseInt(root.getAttribute('data-interval') || '30', 10)) * 1000;
  const list = root.querySelector('[data-live-list]');
  const empty = root.querySelector('[data-live-empty]');
  const positionText = document.querySelector('[data-live-position]');
  const changed = document.querySelector('[data-live-changed]');
  const positionMarkers = {};
  const i18n = readWords(root);
  let lastFeed = null;

  function say(key) {
    return word(i18n, key, FALLBACK[key]);
  }

  function minutesAgo(iso) {
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return say('just_now');
    if (minutes < 120) {
      return fill(plural(i18n.minutes_ago, minutes, '{n} minute ago', '{n} minutes ago'),
        { n: minutes });
    }
    const hours = Math.round(minutes / 60);
    return fill(plural(i18n.hours_ago, hours, '{n} hour ago', '{n} hours ago'), { n: hours });
  }

  function renderUpdates(updates) {
    if (!list) return;
    const known = new Set();
    list.querySelectorAll('[data-update-id]').forEach((li) => {
      known.add(li.getAttribute('data-update-id'));
    });
    // Feed is newest first; insert unknown ones at the top in that order.
    const anchor = list.firstChild;
    updates.forEach((u) => {
      if (known.has(String(u.id))) return;
      const li = document.createElement('li');
      li.setAttribute('data-update-id', String(u.id));
      li.className = `update${u.is_update ? ' update--message' : ''}`;
      const time = document.createElement('time');
      time.setAttribute('datetime', u.at);
      time.textContent = u.time;
      li.appendChild(time);
      li.appendChild(document.createTextNode(' '));
      const text = document.createElement('span');
      text.textContent = u.summary;
      li.appendChild(text);
      list.insertBefore(li, anchor);
    });
    if (empty) empty.hidden = updates.length > 0;
  }

  function renderPosition(position) {
    const parts = [];
    ['front', 'end'].forEach((key) => {
      const p = position[key];
      if (!p) return;
      const ago = minutesAgo(p.at);
      parts.push(p.near ? fill(say(`${key}_near`), { place: p.near, ago })
        : fill(say(`${key}_on_route`), { ago }));
      if (routeMaps.length && window.L) {
        const map = routeMaps[0].map;
        if (!positionMarkers[key]) {
          // Above the waypoints (a marker, not a vector under them), in its own colour.
          positionMarkers[key] = L.marker([p.lat, p.lon], {
            icon: L.divIcon({
              className: `march-position march-position--${key}`,
              iconSize: [30, 30],
              html: '',
            }),
            zIndexOffset: 1000,
            keyboard: false,
          }).addTo(map);
          addToLegend(routeMaps[0].container, say('legend_position'));
        } else {
          positionMarkers[key].setLatLng([p.lat, p.lon]);
        }
        positionMarkers[key].bindTooltip(fill(say(`${key}_updated`), { ago }));
      }
    });
    if (positionText) {
      positionText.textContent = parts.join(' ');
      positionText.hidden = parts.length === 0;
    }
  }

  // "Last change: 5 minutes ago": the newest update or position the page knows of, counted
  // here from its instant (the page itself never says when it was served).
  function renderChanged(feed) {
    if (!changed) return;
    const instants = (feed.updates || []).map((u) => u.at);
    Object.values(feed.position || {}).forEach((p) => instants.push(p.at));
    const stamp = changed.querySelector('[data-live-stamp]');
    if (stamp) instants.push(stamp.getAttribute('datetime'));
    const newest = instants.filter(Boolean)
      .reduce((a, b) => (a === null || Date.parse(b) > Date.parse(a) ? b : a), null);
    if (!newest) return;
    const words = readWords(changed);
    const time = document.createElement('time');
    time.setAttribute('datetime', newest);
    time.setAttribute('data-live-stamp', '');
    // The absolute time, as the page wrote it in the event's zone, stays as a tooltip.
    if (stamp && stamp.getAttribute('datetime') === newest) {
      time.title = stamp.title || stamp.textContent;
    }
    time.textContent = minutesAgo(newest);
    const [before, after] = word(words, 'last_change', 'Last change: {ago}.').split('{ago}');
    changed.replaceChildren(document.createTextNode(before), time,
      document.createTextNode(after || ''));
    changed.hidden = false;
  }

  function renderSchedule(items) {
    const now = Date.now();
    items.forEach((item, i) => {
      const el = document.querySelector(`[data-schedule-id="${item.id}"]`);
      if (!el) return;
      const next = items[i + 1];
      const started = Date.parse(item.starts_at) <= now;
      const done = started && next && Date.parse(next.starts_at) <= now;
      el.classList.toggle('is-done', !!done);
      el.classList.toggle('is-now', started && !done);
    });
  }

  function render(feed) {
    lastFeed = feed;
    renderUpdates(feed.updates || []);
    renderPosition(feed.position || {});
    renderSchedule(feed.schedule || []);
    renderChanged(feed);
    // Other scripts of the page (push.js: the urgent banner) read the same feed.
    document.dispatchEvent(new CustomEvent('rallypoint:feed', { detail: feed }));
  }

  function poll() {
    // A draft's preview has no public feed: stop asking (each "not found" counts against
    // this client as link guessing, routes/errors.py).
    let found = true;
    // "no-cache" revalidates with the stored ETag: an unchanged feed is a 304.
    fetch(url, { cache: 'no-cache', credentials: 'same-origin' })
      .then((r) => { found = r.status !== 404; return r.ok ? r.json() : null; })
      .then((feed) => { if (feed) render(feed); })
      .catch(() => { /* offline: the page keeps what it shows */ })
      .then(() => { if (found) window.setTimeout(poll, interval); });
  }

  // Refresh relative times even when nothing changed.
  window.setInterval(() => {
    if (!lastFeed) return;
    renderPosition(lastFeed.position || {});
    renderChanged(lastFeed);
  }, 30000);
  poll();
}

const root = document.querySelector('[data-live-url]');
if (root) startLive(root);
