// Reads route text the way the route editor does, for tests/services/test_route_text_corpus.py:
// stdin {"kinds": [...], "anchor": "...", "lines": [...], "texts": [...]} (the lines and texts
// as strings), stdout the readings as JSON, in the same shape as the Python side's.
import { readFileSync } from 'node:fs';
import { formatText, isPoint, parseText } from '../../../static/js/route-text.js';

const { kinds, anchor, lines, texts } = JSON.parse(readFileSync(0, 'utf8'));

function lineReading(line) {
  const { entries, problems } = parseText(`${anchor}\n${line}\n${anchor}`, kinds);
  if (problems.length) return { expect: 'error' };
  const middle = entries.filter(isPoint).slice(1, -1);
  if (!middle.length) return { expect: 'skip' };
  const [p] = middle;
  const expect = { lat: p.lat, lon: p.lon };
  if (p.label) Object.assign(expect, { label: p.label, kind: p.shownKind });
  // The line as the editor writes it back after a map edit.
  return { expect, written: formatText([p], kinds).trimEnd() };
}

function textReading(text) {
  const { entries, problems } = parseText(text, kinds);
  if (problems.length) return { error_line: problems[0] };
  const points = entries.filter(isPoint);
  return {
    points: points.map((p) => [p.lat, p.lon]),
    waypoints: points.filter((p) => p.label).map((p) => [p.label, p.shownKind]),
  };
}

process.stdout.write(JSON.stringify({
  lines: lines.map(lineReading),
  texts: texts.map(textReading),
}));
