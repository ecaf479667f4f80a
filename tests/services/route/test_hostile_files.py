"""Uploads made to hurt the server: nesting that would overflow a C stack, floods of nodes.

The worst ones are read in a child process, so that a crash (SIGSEGV) fails the test
instead of killing pytest; the child also runs under a memory limit.
"""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from services.route import MAX_UPLOAD_BYTES, RouteError, parse_geojson, parse_gpx, parse_text
from services.route.guards import MAX_XML_DEPTH, guard_xml

ROOT = Path(__file__).resolve().parents[3]

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: a flood fails, not swaps
sys.path.insert(0, {root!r})
from services.route import RouteError, {parser}
data = sys.stdin.buffer.read()
try:
    {parser}(data)
except RouteError as err:
    print("refused:", err)
else:
    print("accepted")
"""


def read_in_child(parser: str, data: bytes) -> str:
    """What `parser` says about `data`, read in a fresh Python process; fails on a crash."""
    done = subprocess.run(  # noqa: S603 - our own Python, on test data
        [sys.executable, "-c", CHILD.format(root=str(ROOT), parser=parser)],
        input=data,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, f"the parser crashed: {done.returncode} {done.stderr[-500:]!r}"
    return done.stdout.decode().strip()


def gpx(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{body}</gpx>"
    ).encode()


TRACK = '<trk><trkseg><trkpt lat="1" lon="1">{}</trkpt><trkpt lat="2" lon="2"/></trkseg></trk>'


def test_gpx_with_200000_nested_extension_elements_is_refused_without_a_crash():
    # gpxpy's deepcopy of this tree overflowed the C stack: SIGSEGV killed the worker
    nested = "<x>" * 200_000 + "</x>" * 200_000
    said = read_in_child("parse_gpx", gpx(TRACK.format(f"<extensions>{nested}</extensions>")))
    assert said == "refused: The GPX file could not be read: its elements are nested too deeply."


def test_gpx_nested_too_deeply_outside_extensions_is_refused():
    nested = "<x>" * MAX_XML_DEPTH + "</x>" * MAX_XML_DEPTH
    with pytest.raises(RouteError, match="nested too deeply"):
        parse_gpx(gpx(TRACK.format(nested)))


def test_gpx_with_a_flood_of_elements_is_refused_without_a_crash():
    said = read_in_child("parse_gpx", gpx(TRACK.format("<x/>" * 250_000)))
    assert said == "refused: The GPX file could not be read: it has too many elements."


def test_gpx_with_a_flood_of_attributes_is_refused():
    many = "<x " + " ".join(f'{c}=""' for c in "abcdefghijklmnopqrstuvwxyz") + "/>"
    with pytest.raises(RouteError, match="too many elements"):
        parse_gpx(gpx(TRACK.format(many * 8000)))  # 216,000 nodes in 1.1 MB


def test_gpx_with_ordinary_extensions_is_read_and_gpxpy_never_sees_them():
    ext = (
        '<extensions><g:TrackPointExtension xmlns:g="urn:garmin"><g:hr>120</g:hr>'
        "</g:TrackPointExtension></extensions>"
    )
    route = parse_gpx(gpx(TRACK.format(ext)))
    assert len(route.points) == 2
    kept = guard_xml(gpx(TRACK.format(ext) + "<extensions/>").decode())
    assert "extensions" not in kept and "TrackPointExtension" not in kept
    assert kept.count("<trkpt") == 2


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 1_000_000 + b"]" * 1_000_000,
        b'{"a":' * 300_000 + b"1" + b"}" * 300_000,
        b'{"type": "LineString", "coordinates": [[0, 0], [1, 1]], "x": ' + b"[" * 100_000,
    ],
    ids=["arrays", "objects", "unclosed"],
)
def test_deeply_nested_geojson_is_refused_without_a_crash(data):
    said = read_in_child("parse_geojson", data)
    assert said == "refused: The file is not usable GeoJSON: it is nested too deeply."


def _line_with_waypoint(label: str) -> str:
    """A GeoJSON line with one waypoint called ``label`` (as written, escapes and all)."""
    return (
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},'
        f'{{"type": "Feature", "properties": {{"label": "{label}"}}, '
        '"geometry": {"type": "Point", "coordinates": [0, 0]}}]}'
    )


def test_geojson_brackets_inside_strings_do_not_count_as_nesting():
    label = '[[[[\\"{{{{' * 10
    doc = _line_with_waypoint(label)
    route = parse_geojson(doc.encode())
    assert route.waypoints[0].label == label.replace("\\", "")


def test_geojson_with_escaped_quotes_is_scanned_in_linear_time():
    # A naive string-skipping regex goes quadratic on this; the suite would hang
    data = b'{"a": "' + b'\\"' * 900_000 + b'"}'
    with pytest.raises(RouteError, match="not a GeoJSON|must be a single LineString"):
        parse_geojson(data)


@pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\x07"])
def test_labels_with_direction_overrides_or_controls_are_refused_in_every_format(mark):
    label = f"Embassy{mark}gpx.exe"
    with pytest.raises(RouteError, match="Line 1: the label must not contain control characters"):
        parse_text(f"1, 1, {label}\n2, 2\n")
    doc = _line_with_waypoint(label)
    with pytest.raises(RouteError, match="Waypoint 1: the label must not contain control"):
        parse_geojson(doc.encode("utf-8").replace(b"\x07", b"\\u0007"))


def kmz(name: str, data: bytes) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(name, data)
    return packed.getvalue()


def test_kml_with_100000_nested_folders_is_refused_without_a_crash():
    nested = "<Folder>" * 100_000 + "</Folder>" * 100_000
    said = read_in_child("parse_kml", f"<kml><Document>{nested}</Document></kml>".encode())
    assert said == "refused: The KML file could not be read: its elements are nested too deeply."


def test_kml_with_a_flood_of_placemarks_is_refused_without_a_crash():
    said = read_in_child("parse_kml", b"<kml>" + b"<a/>" * 250_000 + b"</kml>")
    assert said == "refused: The KML file could not be read: it has too many elements."


def test_a_kmz_bomb_of_half_a_gigabyte_is_refused_within_the_memory_limit():
    # 500 MB of spaces pack into about 500 kB; the child may use 1 GiB at most
    bomb = io.BytesIO()
    archive = zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
    with archive, archive.open("doc.kml", "w", force_zip64=True) as entry:
        entry.write(b"<kml>")
        for _ in range(500):
            entry.write(b" " * 1_000_000)
    assert len(bomb.getvalue()) < MAX_UPLOAD_BYTES
    said = read_in_child("parse_kmz", bomb.getvalue())
    assert said == (
        "refused: The KMZ file could not be read: it unpacks to far more than its size "
        "(a “zip bomb”)."
    )


def test_a_kmz_with_a_nested_kmz_bomb_is_refused_without_unpacking_it():
    inner = kmz("doc.kml", b"<kml>" + b" " * 20_000_000 + b"</kml>")
    said = read_in_child("parse_kmz", kmz("doc.kml", inner))
    assert said.startswith("refused: The KMZ file could not be read: it ")
