/* The page's words, for every script: templates hand them over as JSON (a data-i18n attribute,
 * or the "i18n" of a map's data block) in the page's language, with placeholders written
 * {name}; each script keeps its English words only as fallbacks.
 */

export function pageLanguage() {
  return document.documentElement.lang || 'en';
}

// The words in an element's data-i18n attribute; {} when it is missing or unreadable.
export function readWords(element) {
  try {
    return JSON.parse(element.getAttribute('data-i18n') || '{}') || {};
  } catch {
    return {};
  }
}

// The translated word for `key`, else the English fallback.
export function word(words, key, fallback) {
  return words && typeof words[key] === 'string' ? words[key] : fallback;
}

// One pass, so a user's text containing "{kind}" or "{ago}" is never filled in again.
export function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole);
}

// The template for count `n`. forms: {"one": .., "few": .., "many": .., "other": ..} as
// Intl.PluralRules names the categories (a single string is taken for every count).
export function plural(forms, n, fallbackOne, fallbackOther) {
  if (typeof forms === 'string') return forms;
  let category = n === 1 ? 'one' : 'other';
  try {
    category = new Intl.PluralRules(pageLanguage()).select(n);
  } catch { /* an unknown language tag: English rules */ }
  if (forms && typeof forms[category] === 'string') return forms[category];
  if (forms && typeof forms.other === 'string') return forms.other;
  return n === 1 ? fallbackOne : fallbackOther;
}
