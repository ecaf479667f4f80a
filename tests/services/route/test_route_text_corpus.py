"""The route text format is defined once: the server's parser and the route editor's agree.

services.route reads the text the organiser saves; static/js/route-text.js reads the same
text while they type, to draw it and to write it back after a map edit. Both run here over
tests/data/route_text_corpus.json, and must give the corpus's reading for every line and
every text. Node runs the JavaScript: CI installs it, so a missing node fails, never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from models.enums import WaypointKind
from services.route import format_text, parse_text

ROOT = Path(__file__).resolve().parents[3]
CORPUS = json.loads((ROOT / "tests/data/route_text_corpus.json").read_text(encoding="utf-8"))
ANCHOR = CORPUS["anchor"]


def python_line(line: str) -> object:
    """The server's reading of one line, judged on its own between two anchor points."""
    try:
        route = parse_text(f"{ANCHOR}\n{line}\n{ANCHOR}")
    except ValueError:  # RouteError: the server refuses the text and names this line
        return "error"
    middle = route.points[1:-1]
    if not middle:
        return "skip"
    (point,) = middle
    reading: dict = {"lat": point.lat, "lon": point.lon}
    if route.waypoints:
        (waypoint,) = route.waypoints
        reading |= {"label": waypoint.label, "kind": waypoint.kind}
    return reading


def python_text(text: str) -> dict:
    try:
        route = parse_text(text)
    except ValueError as err:  # "Line 3: ..."
        return {"error_line": int(str(err).split()[1].rstrip(":"))}
    return {
        "points": [[p.lat, p.lon] for p in route.points],
        "waypoints": [[w.label, w.kind] for w in route.waypoints],
    }


@pytest.fixture(scope="module")
def javascript() -> dict:
    """The editor's readings of the whole corpus, from one run of node."""
    node = shutil.which("node")
    assert node, "node is needed to run static/js/route-text.js (apt-get install nodejs)"
    given = {
        "kinds": list(WaypointKind),
        "anchor": ANCHOR,
        "lines": [case["line"] for case in CORPUS["lines"]],
        "texts": [case["text"] for case in CORPUS["texts"]],
    }
    done = subprocess.run(  # noqa: S603 - our own script, on the corpus in this repository
        [node, str(ROOT / "tests/services/route/read_route_text.js")],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_the_corpus_covers_every_kind_of_line():
    readings = [case["expect"] for case in CORPUS["lines"]]
    assert {"skip", "error"} <= {r for r in readings if isinstance(r, str)}
    waypoint_kinds = {r["kind"] for r in readings if isinstance(r, dict) and "kind" in r}
    assert waypoint_kinds == set(WaypointKind)
    assert any(isinstance(r, dict) and "kind" not in r for r in readings)  # plain points


@pytest.mark.parametrize("case", CORPUS["lines"], ids=lambda case: case["note"])
def test_server_reads_each_line_as_the_corpus_says(case):
    assert python_line(case["line"]) == case["expect"]


def test_editor_reads_each_line_as_the_server_does(javascript):
    disagreements = [
        (case["note"], case["expect"], js["expect"])
        for case, js in zip(CORPUS["lines"], javascript["lines"], strict=True)
        if js["expect"] != case["expect"]
    ]
    assert disagreements == []


def test_editor_writes_lines_the_server_reads_back_the_same(javascript):
    """After a map edit the editor rewrites the text; the server must read the same points,
    and the coordinates must be spelled as the server's own format_text spells them."""
    for case, js in zip(CORPUS["lines"], javascript["lines"], strict=True):
        if not isinstance(case["expect"], dict):
            continue
        assert python_line(js["written"]) == case["expect"], case["note"]
        route = parse_text(f"{ANCHOR}\n{case['line']}\n{ANCHOR}")
        server_line = format_text(route).splitlines()[1]
        assert js["written"].split(", ")[:2] == server_line.split(", ")[:2], case["note"]


@pytest.mark.parametrize(
    "index", range(len(CORPUS["texts"])), ids=[case["note"] for case in CORPUS["texts"]]
)
def test_both_number_waypoints_and_name_bad_lines_alike(javascript, index):
    case = CORPUS["texts"][index]
    assert python_text(case["text"]) == case["expect"]
    assert javascript["texts"][index] == case["expect"]
