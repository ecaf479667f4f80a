// A steward's check-in page: scan a volunteer's QR code (BarcodeDetector where the browser
// has one, else the vendored jsQR on camera frames), type a code, or find a name. While the
// phone is offline, check-ins wait in localStorage (the code and the time, never a name) and
// go out, oldest first, as soon as the connection is back. Without this script the typed
// code is a plain form POST. Once the service worker is ready, the page asks it to keep a
// copy of this page and of the files it uses (static/js/sw.js), so that it opens again
// without a connection; offline.js registers the worker and shows the offline notice.
import { fill, plural, readWords, word } from './i18n.js';

const root = document.getElementById('checkin');

function startCheckIn(box) {
  const words = readWords(box);
  const jsonUrl = box.getAttribute('data-json-url');
  const searchUrl = box.getAttribute('data-search-url');
  const form = document.getElementById('checkin-form');
  const input = form.querySelector('input[name="code"]');
  const fieldError = document.getElementById(`${input.id}-error`);
  const csrfField = form.querySelector('input[name="csrf_token"]');
  const result = document.getElementById('checkin-result');
  const queueLine = document.getElementById('checkin-queue');
  const storageKey = `rallypoint:checkin-queue:${window.location.pathname}`;
  let flushing = false;

  class Offline extends Error {}
  class Held extends Error {}

  function showResult(ok, message) {
    const p = document.createElement('p');
    p.className = `notice ${ok ? 'notice--success' : 'notice--warning'}`;
    p.textContent = message;
    result.replaceChildren(p);
  }

  function showFieldError(message) {
    fieldError.textContent = message || '';
    fieldError.hidden = !message;
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    input.closest('.field').classList.toggle('field--error', !!message);
  }

  function loadQueue() {
    try {
      const items = JSON.parse(window.localStorage.getItem(storageKey) || '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  function saveQueue(items) {
    try {
      if (items.length) window.localStorage.setItem(storageKey, JSON.stringify(items));
      else window.localStorage.removeItem(storageKey);
    } catch { /* private mode without storage: nothing is kept */ }
    showQueue(items.length, false);
  }

  function showQueue(count, justSent) {
    if (count) {
      queueLine.textContent = fill(plural(words.queued, count,
        '{n} check-in waiting to be sent', '{n} check-ins waiting to be sent'), { n: count });
      queueLine.className = 'notice notice--warning';
      queueLine.hidden = false;
    } else if (justSent) {
      queueLine.textContent = word(words, 'all_sent', 'All check-ins are sent.');
      queueLine.className = 'notice notice--success';
      queueLine.hidden = false;
    } else {
      queueLine.hidden = true;
    }
  }

  // A page kept offline may outlive its session (the browser was closed): its CSRF token is
  // then refused with a 400. Fetch the page again for a fresh one (a GET: no names in it).
  function freshToken() {
    return fetch(window.location.pathname, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((html) => {
        const page = new DOMParser().parseFromString(html, 'text/html');
        const field = page.querySelector('#checkin-form input[name="csrf_token"]');
        if (!field || !field.value) throw new Error('no token');
        csrfField.value = field.value;
      });
  }

  // One check-in to the server: resolves with {ok, message} (and field for a bad code);
  // rejects with Offline (no answer: keep it) or Held (an answer saying "not now": keep it).
  function send(body, retried) {
    return fetch(jsonUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfField.value },
      body: JSON.stringify(body),
    }).catch(() => { throw new Offline(); }).then((r) => {
      if (r.status === 429) throw new Held(word(words, 'too_many', 'Too many codes.'));
      if (r.status === 400 && !retried) {
        return freshToken().then(() => send(body, true), () => {
          throw new Held(word(words, 'reload', 'Reload this page.'));
        });
      }
      if (r.status === 400 || r.status === 403) {
        throw new Held(word(words, 'reload', 'Reload this page.'));
      }
      if (r.status !== 200 && r.status !== 422) throw new Held(word(words, 'failed', 'Failed.'));
      return r.json();
    });
  }

  function enqueue(item) {
    const items = loadQueue();
    items.push(item);
    saveQueue(items);
    showFieldError('');
    input.value = ''; // kept: the next volunteer's code goes in an empty field
    showResult(false, word(words, 'offline', 'No connection: kept on this phone.'));
  }

  function checkIn(code) {
    const item = { code, at: new Date().toISOString() };
    if (!navigator.onLine) {
      enqueue(item);
      return Promise.resolve();
    }
    return send(item).then((answer) => {
      if (answer.field) {
        showFieldError(answer.message);
      } else {
        showFieldError('');
        input.value = '';
        showResult(answer.ok, answer.message);
      }
    }).catch((error) => {
      if (error instanceof Offline) enqueue(item);
      else showResult(false, error.message);
    });
  }

  // Send what waits, oldest first; stop at the first that cannot go yet.
  function flush() {
    if (flushing || !navigator.onLine) return;
    let items = loadQueue();
    if (!items.length) return;
    flushing = true;
    let sent = false;
    const next = () => {
      items = loadQueue();
      if (!items.length) return Promise.resolve();
      return send(items[0]).then((answer) => {
        saveQueue(loadQueue().slice(1));
        sent = true;
        showResult(answer.ok && !answer.field, answer.message);
        return next();
      });
    };
    next().catch((error) => {
      if (!(error instanceof Offline)) showResult(false, error.message);
    }).then(() => {
      flushing = false;
      showQueue(loadQueue().length, sent);
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code) {
      showFieldError(word(words, 'required', 'Type the code.'));
      return;
    }
    checkIn(code);
  });

  window.addEventListener('online', flush);
  showQueue(loadQueue().length, false);
  flush();

  setUpScanner(words, checkIn);
  setUpSearch(words, searchUrl, send, showResult);
}

// --- scanning ---------------------------------------------------------------------------

function detector() {
  if ('BarcodeDetector' in window) {
    const native = new window.BarcodeDetector({ formats: ['qr_code'] });
    return (video) => native.detect(video).then((codes) => (codes[0] ? codes[0].rawValue : null));
  }
  if (typeof window.jsQR !== 'function') return null;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return (video) => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return Promise.resolve(null);
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const found = window.jsQR(image.data, width, height, { inversionAttempts: 'dontInvert' });
    return Promise.resolve(found ? found.data : null);
  };
}

function setUpScanner(words, checkIn) {
  const section = document.getElementById('checkin-scan');
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const start = document.getElementById('scan-start');
  const stop = document.getElementById('scan-stop');
  const video = document.getElementById('scan-video');
  const status = document.getElementById('scan-status');
  let stream = null;
  section.hidden = false;

  function end() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function look(detect) {
    if (!stream) return;
    detect(video).then((text) => {
      if (!stream) return;
      if (text) {
        end();
        status.textContent = '';
        checkIn(text);
      } else {
        window.requestAnimationFrame(() => look(detect));
      }
    }).catch(() => window.requestAnimationFrame(() => look(detect)));
  }

  start.addEventListener('click', () => {
    const detect = detector();
    if (!detect) {
      status.textContent = word(words, 'no_camera', 'The camera is not available.');
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then((media) => {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        status.textContent = word(words, 'scanning', 'Point the camera at the QR code.');
        return video.play();
      })
      .then(() => look(detect))
      .catch(() => {
        end();
        status.textContent = word(words, 'no_camera', 'The camera is not available.');
      });
  });
  stop.addEventListener('click', end);
}

// --- finding a name ----------------------------------------------------------------------

function setUpSearch(words, searchUrl, send, showResult) {
  const section = document.getElementById('checkin-search');
  const query = document.getElementById('search-q');
  const list = document.getElementById('search-results');
  let asked = 0;
  section.hidden = false;

  function render(results) {
    if (!results.length) {
      const li = document.createElement('li');
      li.textContent = word(words, 'none_found', 'Nobody found by that name.');
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(...results.map((person) => {
      const li = document.createElement('li');
      const who = document.createElement('span');
      who.textContent = `${person.name} · ${person.role}`;
      li.append(who);
      if (person.done) {
        const done = document.createElement('span');
        done.className = 'muted';
        done.textContent = word(words, 'checked_in', 'checked in');
        li.append(done);
      } else {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button button--secondary';
        button.textContent = word(words, 'check_in', 'Check in');
        button.addEventListener('click', () => {
          send({ rsvp: person.id })
            .then((answer) => { showResult(answer.ok, answer.message); search(); })
            .catch((error) => showResult(false, error.message || word(words, 'failed', '')));
        });
        li.append(button);
      }
      return li;
    }));
  }

  function needsConnection() {
    const li = document.createElement('li');
    li.textContent = word(words, 'search_offline',
      'Finding a name needs a connection: type the code instead.');
    list.replaceChildren(li);
  }

  function search() {
    const text = query.value.trim();
    const mine = ++asked;
    if (text.length < 2) {
      list.replaceChildren();
      return;
    }
    fetch(`${searchUrl}?q=${encodeURIComponent(text)}`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => { if (data && mine === asked) render(data.results || []); })
      .catch(() => { if (mine === asked) needsConnection(); });
  }

  query.addEventListener('input', search);
}

// --- kept for offline use -------------------------------------------------------------------

function keepOffline() {
  const note = document.getElementById('checkin-kept');
  if (!note || !('serviceWorker' in navigator) || !window.MessageChannel) return;
  const served = !!navigator.serviceWorker.controller; // this visit already went through it
  const assets = Array.from(document.querySelectorAll(
    'script[src], link[rel="stylesheet"], link[rel="icon"], link[rel="manifest"]',
  ), (node) => node.src || node.href);
  navigator.serviceWorker.ready.then((registration) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => { note.hidden = !(event.data && event.data.kept); };
    registration.active.postMessage({ type: 'keep-checkin', served, assets }, [channel.port2]);
  }).catch(() => {});
}

if (root) {
  startCheckIn(root);
  keepOffline();
}
