/* The route's text format, as the route editor reads and writes it: one point per line,
 * "lat, lon" or "lat, lon, label[, kind]"; "#" comments and blank lines.
 *
 * services/route (parse_text, format_text) defines the format; the server parses the text
 * again on save. This module follows it line by line, down to Python's whitespace, rounding
 * and label checks: tests/services/test_route_text_corpus.py runs both parsers over
 * tests/data/route_text_corpus.json and fails where they disagree.
 *
 * No DOM here, so Node can import it. The waypoint kinds are passed in: the page hands them
 * over (models.enums.WaypointKind), this module does not list them.
 */

export const MAX_LABEL = 120;

const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
// Python's whitespace (str.isspace, and \s in its regexes), which differs from JavaScript's.
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029' +
  '\\u202f\\u205f\\u3000';
const EDGE_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const SPACES = new RegExp(`[${SPACE}]+`);
const KIND_SEPARATORS = new RegExp(`[${SPACE}_-]+`, 'g');
const DECIMAL_COMMA = new RegExp(`^[0-9]+(?:[${SPACE}]*,[${SPACE}]*[0-9]+)?$`);
// Unicode category Cc, which Python refuses in labels.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex

function strip(text) {
  return text.replace(EDGE_SPACE, '');
}

// Python's " ".join(text.split()).
function collapse(text) {
  return text.split(SPACES).filter(Boolean).join(' ');
}

// A label typed into the editor, made valid: whitespace collapsed, control characters gone.
export function tidy(label) {
  return collapse(label.replace(new RegExp(CONTROL, 'g'), ' '));
}

// The canonical kind for a typed word ("First aid" -> "first_aid"), else null.
export function canonicalKind(text, kinds) {
  const kind = strip(text).toLowerCase().replace(KIND_SEPARATORS, '_');
  return kinds.includes(kind) ? kind : null;
}

// Python's round(value, 6): the 6-decimal number nearest to the exact binary value, ties to
// even. value * 1e6 would round twice, and 0.0078125 would go up instead of down.
export function round6(value) {
  const [whole, fraction] = Math.abs(value).toFixed(100).split('.');
  const kept = BigInt(whole + fraction.slice(0, 6));
  const rest = fraction.slice(6);
  const up = rest.charAt(0) > '5' || (rest.charAt(0) === '5'
    && (/[1-9]/.test(rest.slice(1)) || kept % 2n === 1n));
  const rounded = Number(up ? kept + 1n : kept) / 1e6;
  return (value < 0 ? -rounded : rounded) + 0; // + 0 turns -0 into 0
}

function num(value) {
  const text = value.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

function fields(line) {
  // Like Python's line.split(",", 2): the label keeps any further commas.
  const first = line.indexOf(',');
  if (first < 0) return [line];
  const second = line.indexOf(',', first + 1);
  const parts = second < 0 ? [line.slice(0, first), line.slice(first + 1)]
    : [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)];
  return parts.map(strip);
}

function labelIsValid(label) {
  return label !== '' && [...label].length <= MAX_LABEL && !CONTROL.test(label);
}

// A point {lat, lon, label, kind} (kind null when not given), or null for a line the server
// would refuse.
function parseLine(line, kinds) {
  const f = fields(line);
  if (f.length < 2) return null;
  if (line.indexOf('.') < 0 && f.length === 3 && DECIMAL_COMMA.test(f[2])) return null;
  if (!NUMBER.test(f[0]) || !NUMBER.test(f[1])) return null;
  const lat = Number(f[0]);
  const lon = Number(f[1]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  let label = f.length === 3 ? f[2] : '';
  let kind = null;
  const comma = label.lastIndexOf(',');
  if (comma >= 0 && canonicalKind(label.slice(comma + 1), kinds)) {
    kind = canonicalKind(label.slice(comma + 1), kinds);
    label = label.slice(0, comma);
  }
  label = collapse(label);
  if ((kind || label) && !labelIsValid(label)) return null;
  return { lat: round6(lat), lon: round6(lon), label, kind };
}

export function isPoint(entry) {
  return entry.raw === undefined;
}

// Same rule as the server: without a kind the first waypoint is the assembly, the last is
// the end when it sits on the final point, the others are stops. Sets n and shownKind.
export function numberWaypoints(entries) {
  const points = entries.filter(isPoint);
  const labelled = points.filter((p) => p.label);
  const last = labelled[labelled.length - 1];
  const lastIsEnd = last !== undefined && last === points[points.length - 1];
  labelled.forEach((p, i) => {
    p.n = i + 1;
    if (p.kind) p.shownKind = p.kind;
    else if (i === 0) p.shownKind = 'assembly';
    else p.shownKind = lastIsEnd && i === labelled.length - 1 ? 'end' : 'stop';
  });
}

// Entries are points, or lines kept as they were typed (comments, lines not understood) so
// that a map edit never silently deletes what the organiser wrote. problems: the numbers of
// the lines the server would refuse.
export function parseText(text, kinds) {
  const entries = [];
  const problems = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = strip(raw);
    if (!line) return;
    const point = line.charAt(0) === '#' ? null : parseLine(line, kinds);
    if (point) {
      entries.push(point);
    } else {
      entries.push({ raw: line });
      if (line.charAt(0) !== '#') problems.push(i + 1);
    }
  });
  numberWaypoints(entries);
  return { entries, problems };
}

function formatEntry(entry, kinds) {
  if (!isPoint(entry)) return entry.raw;
  const line = `${num(entry.lat)}, ${num(entry.lon)}`;
  if (!entry.label) return line;
  let kind = entry.kind;
  const comma = entry.label.lastIndexOf(',');
  if (!kind && comma >= 0 && canonicalKind(entry.label.slice(comma + 1), kinds)) {
    kind = entry.shownKind; // else the label's tail would be read back as its kind
  }
  return `${line}, ${entry.label}${kind ? `, ${kind}` : ''}`;
}

export function formatText(entries, kinds) {
  numberWaypoints(entries);
  return entries.map((e) => `${formatEntry(e, kinds)}\n`).join('');
}
