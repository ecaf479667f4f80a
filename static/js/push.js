// Push alerts on this phone: "Get alerts on this phone" subscribes the service worker's push
// subscription to this event (routes/push.py); "Turn off alerts" takes it off again in one
// tap. Shown only where the browser can take push alerts. Also keeps the urgent banner at the
// top of the event page current from the live feed (live.js hands each feed on).
import { fill, readWords, word } from './i18n.js';

const FALLBACK = {
  blocked: 'Alerts are blocked for this site in your browser\'s settings.',
  failed: 'That did not work. Reload the page and try again.',
  offline: 'No connection. Check your network and try again.',
  on: 'Alerts are on for this phone.',
  off: 'Alerts are off for this phone.',
  urgent: 'Urgent',
  for_role: 'Urgent, for {role}',
};

// One push subscription serves every event this phone follows: the events are remembered
// here, and the subscription itself ends only when none is left.
const STORE = 'rallypoint-alerts';

function followed() {
  try {
    return JSON.parse(window.localStorage.getItem(STORE) || '[]') || [];
  } catch {
    return [];
  }
}

function remember(slug, on) {
  const slugs = followed().filter((s) => s !== slug);
  if (on) slugs.push(slug);
  try {
    window.localStorage.setItem(STORE, JSON.stringify(slugs));
  } catch { /* private mode: the server still knows */ }
  return slugs;
}

function keyBytes(base64url) {
  const padded = (base64url + '===='.slice(base64url.length % 4 || 4))
    .replace(/-/g, '+').replace(/_/g, '/');
  const raw = window.atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

class Problem extends Error {}

function startAlerts(box) {
  const words = readWords(box);
  const say = (key) => word(words, key, FALLBACK[key]);
  const on = box.querySelector('[data-alerts-on]');
  const off = box.querySelector('[data-alerts-off]');
  const status = box.querySelector('[data-alerts-status]');
  const slug = box.getAttribute('data-slug');

  function show(isOn, text) {
    on.hidden = isOn;
    off.hidden = !isOn;
    if (text !== undefined) status.textContent = text;
  }

  function settings() {
    const url = box.getAttribute('data-alerts-url');
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => { if (!r.ok) throw new Problem(say('failed')); return r.json(); });
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(body),
    }).then((r) => r.json().catch(() => ({})).then((data) => {
      if (!r.ok) throw new Problem(data.error || say('failed'));
      return data;
    }));
  }

  function subscription(registration, publicKey) {
    const options = { userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) };
    return registration.pushManager.getSubscription().then((existing) => {
      if (!existing) return registration.pushManager.subscribe(options);
      // Made under another key (the server's was replaced): start afresh.
      const key = existing.options && existing.options.applicationServerKey;
      const same = key && new Uint8Array(key).join() === options.applicationServerKey.join();
      if (same || !key) return existing;
      return existing.unsubscribe().then(() => registration.pushManager.subscribe(options));
    });
  }

  function fail(err) {
    status.textContent = err instanceof Problem ? err.message
      : (navigator.onLine === false ? say('offline') : say('failed'));
  }

  function turnOn() {
    on.disabled = true;
    Notification.requestPermission()
      .then((permission) => {
        if (permission !== 'granted') throw new Problem(say('blocked'));
        return Promise.all([settings(), navigator.serviceWorker.ready]);
      })
      .then(([config, registration]) => subscription(registration, config.public_key)
        .then((sub) => {
          const body = { subscription: sub.toJSON() };
          const manage = box.getAttribute('data-manage');
          if (manage) body.manage = manage;
          return post(box.getAttribute('data-subscribe-url'), config.csrf_token, body);
        }))
      .then((answer) => {
        remember(slug, true);
        show(true, answer.message || say('on'));
        off.focus();
      })
      .catch(fail)
      .then(() => { on.disabled = false; });
  }

  function turnOff() {
    off.disabled = true;
    Promise.all([settings(), navigator.serviceWorker.ready])
      .then(([config, registration]) => registration.pushManager.getSubscription()
        .then((sub) => {
          if (!sub) return { message: say('off') };
          return post(box.getAttribute('data-unsubscribe-url'), config.csrf_token,
            { endpoint: sub.endpoint })
            .then((answer) => {
              if (remember(slug, false).length === 0) sub.unsubscribe().catch(() => {});
              return answer;
            });
        }))
      .then((answer) => {
        remember(slug, false);
        show(false, answer.message || say('off'));
        on.focus();
      })
      .catch(fail)
      .then(() => { off.disabled = false; });
  }

  on.addEventListener('click', turnOn);
  off.addEventListener('click', turnOff);
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  navigator.serviceWorker.ready
    .then((registration) => registration.pushManager.getSubscription())
    .then((sub) => show(!!sub && followed().includes(slug)))
    .catch(() => show(false));
  box.hidden = false;
}

function startBanner(banner) {
  const words = readWords(banner);
  const label = banner.querySelector('[data-urgent-label]');
  const text = banner.querySelector('[data-urgent-text]');
  document.addEventListener('rallypoint:feed', (event) => {
    const urgent = event.detail && event.detail.urgent;
    banner.hidden = !urgent;
    if (!urgent) return;
    label.textContent = urgent.role
      ? fill(word(words, 'for_role', FALLBACK.for_role), { role: urgent.role })
      : word(words, 'urgent', FALLBACK.urgent);
    text.textContent = urgent.summary;
  });
}

const box = document.querySelector('[data-alerts]');
if (box && window.fetch && 'serviceWorker' in navigator && 'PushManager' in window
    && 'Notification' in window) {
  startAlerts(box);
}
const banner = document.querySelector('[data-urgent-banner]');
if (banner) startBanner(banner);
