// Live updates on an event page: polls the small JSON feed (an unchanged feed costs a 304),
// shows new updates (and the newest in a banner at the top), keeps the "When" and "Assemble
// at" lines as the organisers last set them, shows the march's position on the map and in
// words, and marks the schedule. It never prints a clock time of its own: times come from the
// server in the event's zone, zone named (one clock per page), and "5 minutes ago" is counted
// here from instants.
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
  changed: 'Changed: {text}',
  update: 'From the organisers: {text}',
  dismiss: 'Dismiss',
};

// The banner at the top of the page: the newest change that arrived while the page was open.
// Its text goes into a live region that is always there (empty), so that screen readers
// announce it; the "Dismiss" button is made here, so a page without JavaScript has none.
function showBanner(update) {
  const banner = document.querySelector('[data-live-banner]');
  const text = banner && banner.querySelector('[data-live-banner-text]');
  if (!text) return;
  const words = readWords(text);
  const template = update.is_update ? word(words, 'update', FALLBACK.update)
    : word(words, 'changed', FALLBACK.changed);
  text.textContent = fill(template, { text: update.summary });
  banner.setAttribute('data-live-banner-for', String(update.id));
  let close = banner.querySelector('[data-live-banner-close]');
  if (!close) {
    close = document.createElement('button');
    close.type = 'button';
    close.className = 'button button--secondary live-banner__close';
    close.setAttribute('data-live-banner-close', '');
    close.textContent = word(words, 'dismiss', FALLBACK.dismiss);
    close.addEventListener('click', () => {
      banner.classList.remove('is-shown');
      text.textContent = '';
      close.remove();
    });
    banner.append(close);
  }
  banner.classList.add('is-shown');
}

// An event cancelled while its page is open: the RSVP panel becomes the cancelled one, taken
// from the page as the server serves it now (revalidated, so never the cached copy; the page
// sets no cookie, as the RSVP form would).
function showCancelled() {
  const panel = document.querySelector('[data-rsvp-panel]:not([data-rsvp-cancelled])');
  if (!panel || panel.hasAttribute('data-rsvp-fetching') || !window.DOMParser) return;
  panel.setAttribute('data-rsvp-fetching', '');
  fetch(window.location.pathname, { cache: 'no-cache', credentials: 'same-origin' })
    .then((r) => (r.ok ? r.text() : null))
    .then((html) => {
      const served = html && new DOMParser().parseFromString(html, 'text/html')
        .querySelector('[data-rsvp-panel][data-rsvp-cancelled]');
      if (served) panel.replaceWith(document.importNode(served, true));
    })
    .catch(() => { /* offline: the banner says it */ })
    .then(() => panel.removeAttribute('data-rsvp-fetching'));
}

// A change undone while its banner shows takes the banner with it.
function hideBannerFor(id) {
  const banner = document.querySelector(`[data-live-banner-for="${id}"]`);
  const close = banner && banner.querySelector('[data-live-banner-close]');
  if (close) close.click();
}

// The lines at the top, as the feed words them now; marked for a moment when they change.
function renderFacts(feed) {
  [['[data-live-when]', null, feed.when], ['[data-live-assembly]', '[data-live-assembly-row]',
    feed.assembly]].forEach(([selector, rowSelector, value]) => {
    const el = document.querySelector(selector);
    if (!el || typeof value !== 'string' || el.textContent === value) return;
    el.textContent = value;
    const row = rowSelector ? document.querySelector(rowSelector) : el.parentElement;
    if (row) {
      row.hidden = value === '';
      row.classList.add('is-changed');
    }
  });
}

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

  // ``pinned``: the id of the urgent update, which has a banner of its own (push.js).
  function renderUpdates(updates, pinned) {
    if (!list) return;
    // The feed holds the newest FEED_LENGTH entries. One it no longer holds although it is
    // newer than the feed's oldest was undone (an edit back within the grace period) or
    // merged into a later one: it goes. One whose words changed (a merged change) is
    // rewritten.
    const byId = new Map(updates.map((u) => [String(u.id), u]));
    const oldest = Math.min(...updates.map((u) => u.id));
    const known = new Set();
    list.querySelectorAll('[data-update-id]').forEach((li) => {
      const id = li.getAttribute('data-update-id');
      const u = byId.get(id);
      if (!u) {
        if (!updates.length || Number(id) >= oldest) {
          li.remove();
          hideBannerFor(id);
        }
        return;
      }
      known.add(id);
      const text = li.querySelector('[data-update-text]');
      if (text && text.textContent !== u.summary) {
        text.textContent = u.summary;
        const banner = document.querySelector(`[data-live-banner-for="${id}"].is-shown`);
        if (banner) showBanner(u);
      }
    });
    // Feed is newest first; insert unknown ones at the top in that order.
    const anchor = list.firstChild;
    const arrived = updates.filter((u) => !known.has(String(u.id)));
    if (arrived.length && String(arrived[0].id) !== String(pinned)) showBanner(arrived[0]);
    arrived.forEach((u) => {
      const li = document.createElement('li');
      li.setAttribute('data-update-id', String(u.id));
      li.className = `update${u.is_update ? ' update--message' : ''}`;
      const time = document.createElement('time');
      time.setAttribute('datetime', u.at);
      time.className = 'muted';
      time.textContent = u.when || u.time; // in the event's zone, zone named
      li.appendChild(time);
      li.appendChild(document.createElement('br'));
      const text = document.createElement('span');
      text.setAttribute('data-update-text', '');
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
    const update = (feed.updates || []).find((u) => u.at === newest);
    if (stamp && stamp.getAttribute('datetime') === newest) {
      time.title = stamp.title || stamp.textContent;
    } else if (update && update.when) {
      time.title = update.when;
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
    renderFacts(feed);
    if (feed.status === 'cancelled') showCancelled();
    renderUpdates(feed.updates || [], feed.urgent && feed.urgent.id);
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
