"""The route as a picture: an SVG of the line and its waypoints, drawn on the server.

No tiles and no scripts, so the picture can go where a map cannot: into the embeddable card,
the printable notice and flyer, and (as a PNG) into link previews. Pure: it takes the `Route`
value and plain words, and returns text; no Flask app, no database.

Coordinates are projected with Web Mercator, as every web map is, so the line has the shape
people know from a map, and scaled to fit the box with a margin. Every word that reaches the
SVG (labels, kind names, the title) is escaped.

The picture is drawn as layers, bottom to top (`_LAYERS`): the line, then the waypoints,
then the legend. Each layer reads the projected route (`_Sketch`) and returns SVG elements, so
the accessibility sections of a route (steps, narrow passages) can be drawn later as one more
layer between the line and the waypoints, from their point index ranges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape

from models.enums import WaypointKind
from services.route.values import Route, shorten

MAX_LATITUDE = 85.05112878  # where Web Mercator squares the world; beyond it, y is infinite
LABEL_CHARS = 32  # longer labels are cut with an ellipsis so that they stay in the picture
# With more waypoints than this, only their numbers are drawn: labels would cover each other
# and the line (the pages print the numbered list beside the picture).
MAX_LABELS = 40
TOLERANCE_PX = 0.5
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
LINE_COLOUR = "#c21f3a"

# One colour per kind, the same order as the legend (WaypointKind's order).
KIND_COLOURS = {
    WaypointKind.ASSEMBLY: "#1a7f37",
    WaypointKind.STOP: "#1f5fbf",
    WaypointKind.END: "#1b1b1f",
    WaypointKind.FIRST_AID: "#c21f3a",
    WaypointKind.TOILETS: "#7a4fb5",
    WaypointKind.REST: "#00696d",
    WaypointKind.QUIET_ZONE: "#4f8a8b",
    WaypointKind.EXIT: "#8a5300",
    WaypointKind.OTHER: "#6b6b73",
}


@dataclass(frozen=True)
class Size:
    """The picture's box, in pixels (SVG user units), and its margin."""

    width: int = 600
    height: int = 400
    margin: int = 28


CARD = Size()


@dataclass
class _Sketch:
    """The route projected into the box: what every layer draws from."""

    route: Route
    size: Size
    kind_names: Mapping[str, str]
    show_labels: bool
    line: list[tuple[float, float]] = field(default_factory=list)
    marks: list[tuple[float, float]] = field(default_factory=list)  # one per waypoint
    legend_height: int = 0


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator on the unit square: x east from 0 to 1, y south from 0 to 1."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    phi = math.radians(lat)
    return (lon + 180.0) / 360.0, (
        1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi
    ) / 2


def _fit(points: list[tuple[float, float]], width: float, height: float, margin: float):
    """A function from unit-square coordinates to the box, keeping the aspect ratio and
    centring the route; one point (or none) is placed in the middle."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_w, inner_h = max(width - 2 * margin, 1), max(height - 2 * margin, 1)
    if span_x == 0 and span_y == 0:
        return lambda x, y: (width / 2, height / 2)
    scale = min(inner_w / span_x if span_x else math.inf, inner_h / span_y if span_y else math.inf)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return lambda x, y: (width / 2 + (x - mid_x) * scale, height / 2 + (y - mid_y) * scale)


def _simplify(line: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the points without which the line would move more than
    ``tolerance``; first and last are kept. Iterative, so a long line needs no deep stack."""
    if len(line) < 3:
        return line
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = line[first], line[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, worst_at = 0.0, 0
        for i in range(first + 1, last):
            px, py = line[i]
            if length:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            else:
                distance = math.hypot(px - ax, py - ay)
            if distance > worst:
                worst, worst_at = distance, i
        if worst > tolerance:
            keep[worst_at] = True
            stack += [(first, worst_at), (worst_at, last)]
    return [point for point, kept in zip(line, keep) if kept]


def _project(sketch: _Sketch) -> None:
    route, size = sketch.route, sketch.size
    kinds = {w.kind for w in route.waypoints}
    sketch.legend_height = 22 if kinds else 0
    raw_line = [mercator(p.lat, p.lon) for p in route.points]
    raw_marks = [mercator(w.lat, w.lon) for w in route.waypoints]
    if not raw_line and not raw_marks:
        return
    to_box = _fit(raw_line + raw_marks, size.width, size.height - sketch.legend_height, size.margin)
    # Detail finer than a pixel adds bytes (and drawing time), not shape: a 5,000-point
    # route becomes a few hundred points.
    # First the points that fall on the same pixel go (one pass), then Douglas-Peucker.
    line: list[tuple[float, float]] = []
    for x, y in (to_box(x, y) for x, y in raw_line):
        if not line or abs(line[-1][0] - x) + abs(line[-1][1] - y) >= 1:
            line.append((x, y))
    if raw_line and len(line) == 1:
        line.append(line[0])
    sketch.line = _simplify(line, TOLERANCE_PX)
    sketch.marks = [to_box(x, y) for x, y in raw_marks]


def _line_layer(sketch: _Sketch) -> list[str]:
    if not sketch.line:
        return []
    d = "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in sketch.line)
    casing = (
        f'<path d="{d}" fill="none" stroke="#ffffff" stroke-width="9" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )
    stroke = (
        f'<path class="route-line" d="{d}" fill="none" stroke="{LINE_COLOUR}" stroke-width="5" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )
    return [casing, stroke]


def _text(x: float, y: float, words: str, size: int, anchor: str = "start", **attrs: str) -> str:
    """A text with a white halo under it (drawn twice: renderers differ on paint-order)."""
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    at = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family="{FONT}" text-anchor="{anchor}"'
    text = escape(words)
    return (
        f'<text {at} fill="#ffffff" stroke="#ffffff" stroke-width="3" '
        f'stroke-linejoin="round" aria-hidden="true">{text}</text>'
        f'<text {at} fill="#1b1b1f"{extra}>{text}</text>'
    )


def _waypoint_layer(sketch: _Sketch) -> list[str]:
    parts: list[str] = []
    width = sketch.size.width
    for n, (waypoint, (x, y)) in enumerate(zip(sketch.route.waypoints, sketch.marks), 1):
        colour = KIND_COLOURS.get(waypoint.kind, KIND_COLOURS[WaypointKind.OTHER])
        parts.append(
            f'<g class="waypoint waypoint--{escape(waypoint.kind)}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}" stroke="#ffffff" '
            'stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="11" font-weight="bold" '
            f'font-family="{FONT}" text-anchor="middle" fill="#ffffff">{n}</text>'
        )
        if sketch.show_labels and len(sketch.marks) <= MAX_LABELS:
            label = shorten(waypoint.label, LABEL_CHARS)
            # Labels on the right half go to the marker's left, so they stay in the picture.
            right = x > width / 2
            parts.append(
                _text(x - 13 if right else x + 13, y + 4, label, 12, "end" if right else "start")
            )
        parts.append("</g>")
    return parts


def _legend_layer(sketch: _Sketch) -> list[str]:
    present = [kind for kind in WaypointKind if any(w.kind == kind for w in sketch.route.waypoints)]
    if not present:
        return []
    y = sketch.size.height - sketch.legend_height / 2
    x = float(sketch.size.margin)
    parts = ['<g class="legend">']
    for kind in present:
        name = str(sketch.kind_names.get(kind, kind))
        parts.append(f'<circle cx="{x + 5:.1f}" cy="{y:.1f}" r="5" fill="{KIND_COLOURS[kind]}"/>')
        parts.append(_text(x + 14, y + 4, name, 11))
        x += 14 + 7 * len(name) + 16  # a rough width: DejaVu Sans at 11 px is ~6.5 px a letter
    parts.append("</g>")
    return parts


_LAYERS: tuple[Callable[[_Sketch], list[str]], ...] = (
    _line_layer,
    _waypoint_layer,
    _legend_layer,
)


def route_svg(
    route: Route,
    *,
    size: Size = CARD,
    title: str = "",
    kind_names: Mapping[str, str] | None = None,
    show_labels: bool = True,
) -> str:
    """The route as a standalone SVG document (UTF-8 text, no XML declaration needed).

    ``title`` names the picture for screen readers; ``kind_names`` are the waypoint kinds'
    names in the reader's language for the legend (the kind's value if missing);
    ``show_labels`` writes each waypoint's label beside its numbered marker (the numbers
    match a list of waypoints printed next to the picture), up to ``MAX_LABELS`` waypoints.
    An empty route gives an empty frame, never an error.
    """
    sketch = _Sketch(route, size, kind_names or {}, show_labels)
    _project(sketch)
    body = [element for layer in _LAYERS for element in layer(sketch)]
    name = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size.width}" height="{size.height}" '
        f'viewBox="0 0 {size.width} {size.height}" role="img" aria-label="{name}">'
        f"<title>{name}</title>"
        f'<rect width="100%" height="100%" fill="#f4f2ee"/>' + "".join(body) + "</svg>"
    )
