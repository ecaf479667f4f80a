// The organisers' day view: polls the counts (an unchanged answer is a 304 with the ETag)
// and rewrites the numbers that changed.
const table = document.getElementById('checkin-counts');

function startCounts(box) {
  const url = box.getAttribute('data-counts-url');
  const interval = Math.max(1, Number(box.getAttribute('data-interval')) || 30) * 1000;

  function render(data) {
    (data.roles || []).forEach((line, index) => {
      const row = box.querySelector(`tr[data-role="${index}"]`);
      if (!row) return;
      ['confirmed', 'checked_in'].forEach((key) => {
        const cell = row.querySelector(`[data-count="${key}"]`);
        const text = String(line[key]);
        if (cell && cell.textContent !== text) cell.textContent = text;
      });
    });
  }

  function poll() {
    fetch(url, { cache: 'no-cache', credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => { if (data) render(data); })
      .catch(() => { /* offline: keep what is shown */ })
      .then(() => window.setTimeout(poll, interval));
  }
  window.setTimeout(poll, interval);
}

if (table) startCounts(table);
