"""KML and KMZ: what is read of them, what is written, and how an upload is told apart."""

from __future__ import annotations

import io
import json
import random
import zipfile

import pytest

from services.route import (
    MAX_LINE_OPTIONS,
    MAX_POINTS,
    ConnectPoints,
    PickLine,
    Point,
    Route,
    RouteError,
    Waypoint,
    parse_kml,
    parse_kmz,
    read_route_file,
    to_geojson,
    to_gpx,
    to_kml,
)
from services.route.guards import MAX_KMZ_ENTRIES

ROUTE = Route(  # a waypoint off the line too: KML keeps it where it is
    points=(Point(52.5096, 13.3762), Point(52.512345, 13.377001), Point(52.5163, 13.3777)),
    waypoints=(
        Waypoint(52.5096, 13.3762, "assembly", "Potsdamer Platz"),
        Waypoint(52.512345, 13.377001, "first_aid", 'Café & <Tent>, "north"'),
        Waypoint(52.52, 13.39, "toilets", "Off the route"),
        Waypoint(52.5163, 13.3777, "end", "Brandenburger Tor"),
    ),
)
LINE = "13.3762,52.5096 13.377001,52.512345 13.3777,52.5163"


def kml(body: str, namespace: str = "http://www.opengis.net/kml/2.2") -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    gx = ' xmlns:gx="http://www.google.com/kml/ext/2.2"'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<kml{xmlns}{gx}>{body}</kml>'.encode()


def placemark(name: str, geometry: str) -> str:
    return f"<Placemark><name>{name}</name>{geometry}</Placemark>"


def line_string(coordinates: str) -> str:
    return f"<LineString><coordinates>{coordinates}</coordinates></LineString>"


def point(coordinates: str) -> str:
    return f"<Point><coordinates>{coordinates}</coordinates></Point>"


def kmz(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return packed.getvalue()


def test_kml_round_trip_keeps_points_labels_kinds_and_off_route_waypoints():
    text = to_kml(ROUTE, "Demo & <march>")
    assert "<name>Demo &amp; &lt;march&gt;</name>" in text
    assert parse_kml(text.encode()) == ROUTE
    assert parse_kmz(kmz({"doc.kml": text.encode()})) == ROUTE


def test_kml_of_an_empty_route_is_refused_on_import():
    with pytest.raises(RouteError, match="^The file contains no route points.$"):
        parse_kml(to_kml(Route((), ()), "x").encode())


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.opengis.net/kml/2.2",
        "http://www.opengis.net/kml/2.3",
        "http://earth.google.com/kml/2.2",
        "http://earth.google.com/kml/2.1",
        "http://earth.google.com/kml/2.0",
        "",
    ],
)
def test_every_kml_version_and_no_namespace_read_alike(namespace):
    route = parse_kml(
        kml(f"<Document>{placemark('March', line_string(LINE))}</Document>", namespace)
    )
    assert route.points == ROUTE.points


def test_elements_of_another_namespace_are_not_kml():
    body = placemark("March", line_string(LINE)).replace("LineString", "x:LineString")
    with pytest.raises(RouteError, match="no route points"):
        parse_kml(kml(f'<Document xmlns:x="urn:other">{body}</Document>'))


@pytest.mark.parametrize(
    "coordinates",
    [
        "13.3762,52.5096,0 13.377001,52.512345,0 13.3777,52.5163,0",
        "\n\t\t13.3762,52.5096,0\n\t\t13.377001,52.512345,0\n\t\t13.3777,52.5163,0\n\t",
        "13.3762,52.5096\t13.377001,52.512345\r\n13.3777,52.5163",
        "13.3762, 52.5096, 34.5  13.377001 ,52.512345   13.3777,52.5163,",
        "1.33762e1,5.25096E1 13.377001,52.512345 +13.3777,52.5163",
    ],
    ids=["spaces", "my-maps-indented", "tabs-and-crlf", "spaces-around-commas", "exponents"],
)
def test_coordinates_are_longitude_latitude_separated_by_any_white_space(coordinates):
    assert parse_kml(kml(placemark("March", line_string(coordinates)))).points == ROUTE.points


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        ("13.3762", "March, point 1: “13.3762” is not “longitude,latitude”."),
        ("13.3762,52.5 abc,52.5", "March, point 2: “abc,52.5” is not “longitude,latitude”."),
        ("13.3762,52.5 nan,52.5", "March, point 2: “nan,52.5” is not"),
        ("13.3762,52.5 1_3,52.5", "March, point 2: “1_3,52.5” is not"),
        ("13.3762,95.5 13.4,52.5", "March, point 1: latitude must be between -90 and 90."),
        ("13.3762,52.5 1e999,52.5", "March, point 2: longitude must be between -180 and 180."),
    ],
)
def test_bad_coordinates_are_named_by_placemark_and_position(coordinates, message):
    with pytest.raises(RouteError, match="^" + message.replace(".", r"\.")):
        parse_kml(kml(placemark("March", line_string(coordinates))))


def test_placemarks_are_found_in_any_folder_nesting_in_document_order():
    nested = (
        "<Folder><name>a</name><Folder><Document><Folder>{}</Folder></Document></Folder></Folder>"
    )
    body = (
        nested.format(placemark("Start", point("13.3762,52.5096")))
        + placemark("March", line_string(LINE))
        + nested.format(placemark("End", point("13.3777,52.5163")))
    )
    route = parse_kml(kml(f"<Document>{body}</Document>"))
    assert route.points == ROUTE.points
    assert [(w.label, w.kind) for w in route.waypoints] == [("Start", "assembly"), ("End", "end")]


def test_a_multigeometry_joins_its_lines_and_names_its_points_after_the_placemark():
    geometry = (
        "<MultiGeometry>"
        + line_string("13.3762,52.5096 13.377001,52.512345")
        + point("13.38,52.52")
        + "<MultiGeometry>"
        + line_string("13.3777,52.5163")
        + "</MultiGeometry><Polygon/></MultiGeometry>"
    )
    route = parse_kml(kml(placemark("Route in pieces", geometry)))
    assert route.points == ROUTE.points
    assert [w.label for w in route.waypoints] == ["Route in pieces"]


def test_a_google_earth_track_is_a_line():
    track = (
        "<gx:Track><when>2026-11-29T12:00:00Z</when><when>2026-11-29T12:05:00Z</when>"
        "<gx:coord>13.3762 52.5096 34</gx:coord><gx:coord>13.377001 52.512345 35</gx:coord>"
        "</gx:Track>"
    )
    multi = f"<gx:MultiTrack>{track}<gx:Track><gx:coord>13.3777 52.5163 0</gx:coord></gx:Track>"
    route = parse_kml(kml(placemark("Walk", multi + "</gx:MultiTrack>")))
    assert route.points == ROUTE.points


def test_a_waypoint_kind_comes_from_extended_data_else_from_its_position():
    spots = "".join(
        f"<Placemark><name>{name}</name>{data}{point('13.4,52.5')}</Placemark>"
        for name, data in [
            ("A", ""),
            ("B", '<ExtendedData><Data name="kind"><value>First aid</value></Data></ExtendedData>'),
            ("C", '<ExtendedData><Data name="kind"><value>pizza</value></Data></ExtendedData>'),
            ("D", '<ExtendedData><Data name="other"><value>toilets</value></Data></ExtendedData>'),
        ]
    )
    route = parse_kml(kml(placemark("March", line_string(LINE)) + spots))
    assert [w.kind for w in route.waypoints] == ["assembly", "first_aid", "stop", "end"]


def test_an_unnamed_point_is_refused_like_an_unnamed_gpx_waypoint():
    with pytest.raises(RouteError, match="^Waypoint 1: a label is required.$"):
        parse_kml(kml(placemark("March", line_string(LINE)) + placemark("", point("13.4,52.5"))))


def test_several_lines_are_offered_by_name_with_length_and_the_unusable_ones_say_why():
    too_long = " ".join(f"13.{i:04d},52.5" for i in range(MAX_POINTS + 1))
    body = (
        placemark("Main", line_string(LINE))
        + placemark("", line_string("13.4,52.5 13.41,52.5"))
        + placemark("Huge", line_string(too_long))
        + placemark("Empty", line_string(" "))
        + placemark("Start", point("13.3762,52.5096"))
    )
    choice = parse_kml(kml(body))
    assert isinstance(choice, PickLine)
    main, unnamed, huge = choice.options
    assert (main.name, main.point_count, round(main.length_m)) == ("Main", 3, 752)
    assert main.route == Route(ROUTE.points, (Waypoint(52.5096, 13.3762, "assembly", "Start"),))
    assert unnamed.name == "" and unnamed.route.points == (Point(52.5, 13.4), Point(52.5, 13.41))
    assert (
        huge.route is None
        and huge.problem == f"A route can have at most {MAX_POINTS} points; simplify the line."
    )


def test_several_lines_that_are_all_unusable_are_refused_with_the_first_problem():
    body = placemark("A", line_string("13.4,52.5")) + placemark("B", line_string("13.5,52.5"))
    with pytest.raises(RouteError, match="^A route needs at least two points.$"):
        parse_kml(kml(body))


def test_more_lines_than_can_be_offered_are_refused():
    body = placemark("L", line_string(LINE)) * (MAX_LINE_OPTIONS + 1)
    with pytest.raises(RouteError, match=f"contains {MAX_LINE_OPTIONS + 1} lines, too many"):
        parse_kml(kml(body))


def test_points_without_a_line_are_offered_to_be_connected_in_order():
    body = "".join(placemark(n, point(c)) for n, c in zip("ABC", LINE.split()))
    choice = parse_kml(kml(body))
    assert isinstance(choice, ConnectPoints)
    assert choice.route.points == ROUTE.points
    assert [(w.label, w.kind) for w in choice.route.waypoints] == [
        ("A", "assembly"),
        ("B", "stop"),
        ("C", "end"),
    ]


def test_the_kmz_reads_doc_kml_first_else_the_first_kml_entry():
    other = kml(placemark("Other", line_string("13.4,52.5 13.41,52.5")))
    march = kml(placemark("March", line_string(LINE)))
    assert parse_kmz(kmz({"a.kml": other, "doc.kml": march})).points == ROUTE.points
    assert parse_kmz(kmz({"images/x.png": b"", "files/Route.KML": march})).points == ROUTE.points
    assert parse_kmz(kmz({"doc.kml": march}, zipfile.ZIP_STORED)).points == ROUTE.points


def test_a_kmz_entry_packed_with_bzip2_or_lzma_is_refused():
    march = kml(placemark("March", line_string(LINE)))
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        with pytest.raises(RouteError, match="zip features that are not supported"):
            parse_kmz(kmz({"doc.kml": march}, method))


def test_a_kmz_with_as_many_entries_as_allowed_is_read():
    march = kml(placemark("March", line_string(LINE)))
    icons = {f"images/{n}.png": b"" for n in range(MAX_KMZ_ENTRIES - 1)}
    assert parse_kmz(kmz({"doc.kml": march, **icons})).points == ROUTE.points


def test_a_kml_file_that_unpacks_beyond_the_limit_is_refused_while_unpacking():
    # Not a bomb (it packs only ~50 times): random text first, then white space
    rng = random.Random(7)
    noise = "".join(rng.choice("0123456789,. ") for _ in range(400_000)).encode()
    data = kmz({"doc.kml": b"<kml><!--" + noise + b" " * 9_000_000 + b"--></kml>"})
    with pytest.raises(RouteError, match="larger than 8 MB once unpacked"):
        parse_kmz(data)


def test_the_unpacked_size_in_the_headers_is_never_used_but_the_checksum_is_checked():
    march = kml(placemark("March", line_string(LINE)))
    data = bytearray(kmz({"doc.kml": march}))
    central = data.rindex(b"PK\x01\x02")  # the entry in the central directory
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # "10 bytes unpacked"
    assert parse_kmz(bytes(data)).points == ROUTE.points
    data[central + 16 : central + 20] = (1234).to_bytes(4, "little")  # a wrong CRC-32
    with pytest.raises(RouteError, match="^The KMZ file could not be read: it is not a valid zip"):
        parse_kmz(bytes(data))


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("route.gpx", kml(placemark("March", line_string(LINE))), "route"),  # KML named .gpx
        ("route.kml", to_gpx(ROUTE, "x").encode(), "route"),  # GPX named .kml
        ("route", kmz({"doc.kml": to_kml(ROUTE, "x").encode()}), "route"),
        ("route.json", json.dumps(to_geojson(ROUTE, "x")).encode("utf-16"), "route"),
        ("notes.txt", b"hello", "Upload a GPX (.gpx), KML (.kml), KMZ (.kmz) or GeoJSON"),
        ("page.html", b"<html><body/></html>", "neither GPX nor KML"),
        ("page.gpx", b"<html><body/></html>", "The file is not a GPX file"),
        ("route.kml", b"<kml><Placemark>", "The KML file could not be read: no element found"),
        ("route.kmz", b"PK\x03\x04broken", "not a valid zip archive"),
    ],
)
def test_an_upload_is_told_apart_by_its_content(name, data, expected):
    if expected == "route":
        assert read_route_file(data, name).points == ROUTE.points
    else:
        with pytest.raises(RouteError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            read_route_file(data, name)
