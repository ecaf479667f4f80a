// Copy buttons: a button with data-copy="<id>" copies that field's text (the embed snippet)
// and says so next to itself; without a clipboard it selects the text for the user to copy.
import { readWords, word } from './i18n.js';

for (const button of document.querySelectorAll('[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${button.dataset.copy}-status`);
  const words = readWords(button);
  button.hidden = false;
  button.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = word(words, 'copied', 'Copied.');
    } catch {
      status.textContent = word(words, 'select', 'Selected: copy it with Ctrl+C.');
    }
  });
}
