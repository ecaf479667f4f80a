// The event page's share panel: "Copy link" (Clipboard API) and "Share…" (the phone's share
// sheet, Web Share API). Both come hidden: without JavaScript, or without the API, the link
// printed above them is what there is, so no button that does nothing is ever shown.
import { readWords, word } from './i18n.js';

function startShare(root) {
  const url = root.getAttribute('data-share-url');
  const title = root.getAttribute('data-share-title') || document.title;
  const words = readWords(root);
  const status = document.querySelector('[data-share-status]');
  const copy = root.querySelector('[data-share-copy]');
  const sheet = root.querySelector('[data-share-sheet]');

  function say(text) {
    if (status) status.textContent = text;
  }

  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener('click', () => {
      navigator.clipboard.writeText(url)
        .then(() => say(word(words, 'copied', 'Copied. Paste the link anywhere.')))
        .catch(() => say(word(words, 'not_copied',
          'Could not copy: press and hold the link above to copy it.')));
    });
  }

  if (sheet && typeof navigator.share === 'function') {
    sheet.hidden = false;
    sheet.addEventListener('click', () => {
      say('');
      // Closing the sheet without choosing rejects: nothing to say then.
      navigator.share({ title, url }).catch(() => {});
    });
  }
}

const root = document.querySelector('[data-share]');
if (root) startShare(root);
