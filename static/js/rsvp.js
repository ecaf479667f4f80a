// RSVP without leaving the page: the form is sent with fetch and the panel is replaced by
// the HTML the server returns (errors next to the fields, or "check your inbox"). Without
// JavaScript the same form posts normally and the server renders a whole page.
import { readWords, word } from './i18n.js';

// The page's language: the template puts the messages in data-i18n (JSON); English if not.
const FALLBACK = {
  busy: 'Too many attempts. Please wait a little and try again.',
  failed: 'That did not work. Reload the page and try again.',
  offline: 'No connection. Check your network and try again.',
};

function message(form, key) {
  return word(readWords(form), key, FALLBACK[key]);
}

function replacePanel(panel, html) {
  const holder = document.createElement('div');
  holder.innerHTML = html;
  const fresh = holder.querySelector('[data-rsvp-panel]');
  if (!fresh) return false;
  panel.replaceWith(fresh);
  // Focus the first field to fix, or the panel, so a screen reader hears what happened.
  const invalid = fresh.querySelector('[aria-invalid=true]');
  fresh.setAttribute('tabindex', '-1');
  (invalid || fresh).focus();
  return true;
}

// A message in `container` (replacing an earlier one), placed by `put`.
function problem(container, text, kind, put) {
  const old = container.querySelector('[data-rsvp-problem]');
  if (old) old.remove();
  const p = document.createElement('p');
  p.className = `notice notice--${kind}`;
  p.setAttribute('role', 'alert');
  p.setAttribute('data-rsvp-problem', '');
  p.textContent = text;
  put(p);
}

function showProblem(form, text) {
  problem(form, text, 'error', (p) => form.prepend(p));
}

// The event page links to the form instead of carrying it (it stays cookie-free and
// cacheable); a tap brings the form into the panel, without leaving the page.
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a[data-rsvp-open]');
  if (!link || !window.fetch) return;
  const panel = link.closest('[data-rsvp-panel]');
  if (!panel) return;
  event.preventDefault();
  fetch(link.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
    .then((response) => response.text())
    .then((html) => {
      if (!replacePanel(panel, html)) window.location.href = link.href;
      const first = document.querySelector('[data-rsvp-panel] input:not([type=hidden])');
      if (first) first.focus();
    })
    .catch(() => {
      // No network (the page may be the copy kept for offline use): say so here, instead of
      // leaving for the browser's own "no internet" page.
      const text = word(readWords(link), 'offline',
        'You are offline. An RSVP needs a connection: try again when you have one.');
      problem(panel, text, 'warning', (p) => link.closest('p').after(p));
    });
});

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!form.matches || !form.matches('form[data-rsvp-form]')) return;
  const panel = form.closest('[data-rsvp-panel]');
  if (!panel || !window.fetch) return;
  event.preventDefault();
  const button = form.querySelector('button[type=submit]');
  if (button) button.disabled = true;
  const data = new FormData(form);
  fetch(form.action, {
    method: 'POST',
    body: data,
    credentials: 'same-origin',
    headers: { 'X-Requested-With': 'fetch', 'X-CSRFToken': data.get('csrf_token') || '' },
  })
    .then((response) => response.text().then((html) => {
      if ((response.ok || response.status === 422) && replacePanel(panel, html)) return;
      if (button) button.disabled = false;
      showProblem(form, message(form, response.status === 429 ? 'busy' : 'failed'));
    }))
    .catch(() => {
      if (button) button.disabled = false;
      showProblem(form, message(form, 'offline'));
    });
});
