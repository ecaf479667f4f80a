import json
import math
import xml.etree.ElementTree as stdlib_et

import pytest

from services.route import (
    MAX_POINTS,
    MAX_UPLOAD_BYTES,
    ConnectPoints,
    Point,
    Route,
    RouteError,
    Waypoint,
    format_text,
    haversine_m,
    nearest_point_index,
    parse_geojson,
    parse_gpx,
    parse_text,
    route_length_m,
    to_geojson,
    to_gpx,
    validate,
    walking_minutes,
)

POTSDAMER_PLATZ = Point(52.5096, 13.3762)
BRANDENBURG_GATE = Point(52.5163, 13.3777)

ROUTE = Route(
    points=(Point(52.5096, 13.3762), Point(52.512345, 13.377001), Point(52.5163, 13.3777)),
    waypoints=(
        Waypoint(52.5096, 13.3762, "assembly", "Potsdamer Platz"),
        Waypoint(52.512345, 13.377001, "first_aid", 'Café & <Tent>, "north"'),
        Waypoint(52.5163, 13.3777, "end", "Brandenburger Tor"),
    ),
)


def line(n: int) -> Route:
    return Route(tuple(Point(52 + i / 100_000, 13.0) for i in range(n)), ())


def geojson_bytes(doc: object) -> bytes:
    return json.dumps(doc).encode()


def line_string(coords: list) -> dict:
    return {"type": "LineString", "coordinates": coords}


def feature(geometry: dict, **props: object) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


# --- distances and times ----------------------------------------------------------------


def test_haversine_potsdamer_platz_to_brandenburg_gate_is_about_752_m():
    # true great-circle value with R = 6 371 008.8 m is 751.89 m
    assert haversine_m(POTSDAMER_PLATZ, BRANDENBURG_GATE) == pytest.approx(752, abs=10)
    assert haversine_m(POTSDAMER_PLATZ, BRANDENBURG_GATE) == pytest.approx(751.89, abs=0.05)


def test_haversine_is_symmetric_and_zero_for_same_point():
    assert haversine_m(POTSDAMER_PLATZ, POTSDAMER_PLATZ) == 0
    assert haversine_m(POTSDAMER_PLATZ, BRANDENBURG_GATE) == haversine_m(
        BRANDENBURG_GATE, POTSDAMER_PLATZ
    )


def test_haversine_of_antipodes_is_half_the_circumference():
    assert haversine_m(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * 6_371_008.8)


def test_route_length_sums_segments_and_is_zero_for_short_lines():
    a, b = POTSDAMER_PLATZ, BRANDENBURG_GATE
    assert route_length_m([a, b, a]) == pytest.approx(2 * haversine_m(a, b))
    assert route_length_m([]) == 0
    assert route_length_m([a]) == 0


def test_walking_minutes_rounds_to_nearest_minute():
    assert walking_minutes(752, 4) == 11  # 11.28 min
    assert walking_minutes(4000, 4) == 60
    assert walking_minutes(250, 6) == 3  # exactly 2.5 min rounds up
    assert walking_minutes(0, 3) == 0


@pytest.mark.parametrize("pace", [0, -1, math.nan, math.inf])
def test_walking_minutes_rejects_non_positive_or_non_finite_pace(pace):
    with pytest.raises(ValueError):
        walking_minutes(1000, pace)


def test_walking_minutes_rejects_negative_length():
    with pytest.raises(ValueError):
        walking_minutes(-1, 4)


def test_nearest_point_index_finds_closest_and_first_on_ties():
    points = [Point(0, 0), Point(0, 1), Point(0, 2), Point(0, 1)]
    assert nearest_point_index(points, Point(0.1, 1.2)) == 1
    assert nearest_point_index(points, Point(5, -5)) == 0


def test_nearest_point_index_of_no_points_raises():
    with pytest.raises(ValueError):
        nearest_point_index([], Point(0, 0))


# --- validate ---------------------------------------------------------------------------


def test_validate_accepts_empty_route_as_no_route_yet():
    assert validate(Route((), ())) == Route((), ())


def test_validate_rejects_a_single_point():
    with pytest.raises(RouteError, match="^A route needs at least two points.$"):
        validate(Route((Point(1, 1),), ()))


def test_validate_rejects_waypoints_without_a_line():
    with pytest.raises(RouteError, match="at least two points"):
        validate(Route((), (Waypoint(1, 1, "stop", "x"),)))


def test_validate_accepts_5000_points_and_rejects_5001():
    assert len(validate(line(MAX_POINTS)).points) == MAX_POINTS
    with pytest.raises(RouteError, match="at most 5000 points"):
        validate(line(MAX_POINTS + 1))


def test_validate_accepts_200_waypoints_and_rejects_201():
    def with_waypoints(n):
        return Route(ROUTE.points, (Waypoint(1, 1, "stop", "x"),) * n)

    assert len(validate(with_waypoints(200)).waypoints) == 200
    with pytest.raises(RouteError, match="at most 200 waypoints"):
        validate(with_waypoints(201))


@pytest.mark.parametrize(
    "lat, lon, message",
    [
        (91, 0, "Point 2: latitude must be between -90 and 90."),
        (-90.5, 0, "Point 2: latitude must be between -90 and 90."),
        (0, 180.1, "Point 2: longitude must be between -180 and 180."),
        (math.nan, 0, "Point 2: latitude must be between -90 and 90."),
        (0, math.inf, "Point 2: longitude must be between -180 and 180."),
        ("1", 0, "Point 2: latitude must be a number."),
        (True, 0, "Point 2: latitude must be a number."),
    ],
)
def test_validate_rejects_bad_coordinates_naming_the_point(lat, lon, message):
    with pytest.raises(RouteError) as err:
        validate(Route((Point(0, 0), Point(lat, lon)), ()))
    assert str(err.value) == message


def test_validate_accepts_extreme_valid_coordinates():
    route = Route((Point(-90, -180), Point(90, 180)), ())
    assert validate(route) == route


@pytest.mark.parametrize(
    "waypoint, message",
    [
        (Waypoint(0, 0, "party", "x"), "Waypoint 1: the kind must be one of"),
        (Waypoint(0, 0, "stop", "   "), "Waypoint 1: a label is required."),
        (Waypoint(0, 0, "stop", "x" * 121), "Waypoint 1: the label must be at most 120"),
        (Waypoint(0, 0, "stop", "a\x00b"), "Waypoint 1: the label must not contain control"),
        (Waypoint(0, 200, "stop", "x"), "Waypoint 1: longitude must be between"),
    ],
)
def test_validate_rejects_bad_waypoints(waypoint, message):
    with pytest.raises(RouteError) as err:
        validate(Route(ROUTE.points, (waypoint,)))
    assert str(err.value).startswith(message)


def test_validate_strips_labels_and_allows_120_characters():
    route = validate(Route(ROUTE.points, (Waypoint(0, 0, "stop", "  " + "x" * 120 + " "),)))
    assert route.waypoints[0].label == "x" * 120


def test_route_error_is_a_value_error():
    assert issubclass(RouteError, ValueError)


# --- plain text -------------------------------------------------------------------------


def test_parse_text_reads_points_labels_and_default_kinds():
    route = parse_text(
        "# our march\n"
        "52.5096, 13.3762, Potsdamer Platz\n"
        "\n"
        "52.5120,13.3770\n"
        "52.5140, 13.3775, Tiergarten\n"
        "  52.5163 , 13.3777 , Brandenburger Tor  \n"
    )
    assert route.points == (
        Point(52.5096, 13.3762),
        Point(52.512, 13.377),
        Point(52.514, 13.3775),
        Point(52.5163, 13.3777),
    )
    assert route.waypoints == (
        Waypoint(52.5096, 13.3762, "assembly", "Potsdamer Platz"),
        Waypoint(52.514, 13.3775, "stop", "Tiergarten"),
        Waypoint(52.5163, 13.3777, "end", "Brandenburger Tor"),
    )


def test_parse_text_last_label_is_a_stop_when_not_on_the_last_point():
    route = parse_text("1, 1, Start\n2, 2, Middle\n3, 3\n")
    assert [w.kind for w in route.waypoints] == ["assembly", "stop"]


def test_parse_text_explicit_kind_wins_and_is_case_insensitive():
    route = parse_text(
        "1.0, 1, Tent, First Aid\n2.0, 2, Loo, TOILETS\n3.0, 3, Medic, first-aid\n"
        "4.0, 4, Here, stop\n"
    )
    assert [w.kind for w in route.waypoints] == ["first_aid", "toilets", "first_aid", "stop"]
    assert [w.label for w in route.waypoints] == ["Tent", "Loo", "Medic", "Here"]


def test_parse_text_label_may_contain_commas_unless_last_part_is_a_kind():
    route = parse_text("1.0, 1, Corner of Main St, Oak St\n2.0, 2, Park, gate 3, other\n")
    assert route.waypoints[0].label == "Corner of Main St, Oak St"
    assert route.waypoints[0].kind == "assembly"
    assert (route.waypoints[1].label, route.waypoints[1].kind) == ("Park, gate 3", "other")


def test_parse_text_tidies_whitespace_inside_labels():
    route = parse_text("1, 1, Old \t  Town  Hall , Other\n2, 2\n")
    assert (route.waypoints[0].label, route.waypoints[0].kind) == ("Old Town Hall", "other")


def test_parse_text_of_empty_text_is_the_empty_route():
    assert parse_text("") == Route((), ())
    assert parse_text("\n  \n# nothing yet\n") == Route((), ())


def test_parse_text_of_one_point_needs_another():
    with pytest.raises(RouteError, match="^A route needs at least two points.$"):
        parse_text("52.5, 13.4\n")


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("abc, 13.4", "Line 4: “abc” is not a number."),
        ("52.5, 1e5", "Line 4: “1e5” is not a number."),
        ("nan, 13.4", "Line 4: “nan” is not a number."),
        ("52.5, inf", "Line 4: “inf” is not a number."),
        ("1_0, 13.4", "Line 4: “1_0” is not a number."),
        ("٥٢, 13.4", "Line 4: “٥٢” is not a number."),
        ("91.0, 13.4", "Line 4: latitude must be between -90 and 90."),
        ("52.5, -180.5", "Line 4: longitude must be between -180 and 180."),
        ("52.5", "Line 4: write “latitude, longitude”"),
        ("52.5 13.4", "Line 4: write “latitude, longitude”"),
        (", 13.4", "Line 4: the latitude is missing."),
        ("52.5, ", "Line 4: the longitude is missing."),
        ("52,5, 13,4", "Line 4: use a decimal point in numbers, not a comma"),
        ("52.5, 13.4, , stop", "Line 4: a label is required."),
        ("52.5, 13.4, " + "x" * 121, "Line 4: the label must be at most 120 characters."),
    ],
)
def test_parse_text_errors_name_the_line_number(bad_line, message):
    text = "# header\n52.0, 13.0\n\n" + bad_line + "\n53.0, 13.0\n"
    with pytest.raises(RouteError) as err:
        parse_text(text)
    assert str(err.value).startswith(message)


def test_parse_text_error_quotes_long_values_shortened():
    with pytest.raises(RouteError) as err:
        parse_text("x" * 1000 + ", 1\n1, 1\n")
    assert len(str(err.value)) < 80


def test_parse_text_counts_crlf_and_cr_line_breaks_like_a_textarea():
    with pytest.raises(RouteError, match="^Line 3: "):
        parse_text("1, 1\r\n2, 2\r\nbad, 3\r\n")
    with pytest.raises(RouteError, match="^Line 2: "):
        parse_text("1, 1\rbad, 2\r")
    with pytest.raises(RouteError, match="^Line 1: "):  # \f is no line break in a textarea
        parse_text("1, 1\f2, 2\n3, 3\n")


def test_parse_text_rejects_5001_points_and_accepts_5000():
    text = "".join(f"52.{i:05d}, 13.0\n" for i in range(MAX_POINTS))
    assert len(parse_text(text).points) == MAX_POINTS
    with pytest.raises(RouteError, match="at most 5000 points"):
        parse_text(text + "53.0, 13.0\n")


def test_parse_text_rounds_to_six_decimals():
    assert parse_text("1.1234567, 2.0000004\n3, 4\n").points[0] == Point(1.123457, 2.0)


def test_format_text_round_trips_through_parse_text():
    text = format_text(ROUTE)
    assert text.splitlines()[0] == "52.5096, 13.3762, Potsdamer Platz, assembly"
    assert parse_text(text) == ROUTE


def test_format_text_writes_up_to_six_decimals_without_trailing_zeros():
    route = Route((Point(1.5, -0.0), Point(-2.1234565, 3)), ())
    assert format_text(route) == "1.5, 0\n-2.123457, 3\n"


def test_format_text_puts_off_line_waypoint_after_its_nearest_point():
    route = Route(ROUTE.points, (Waypoint(52.5161, 13.3771, "toilets", "Loo"),))
    assert format_text(route).splitlines()[-1] == "52.5161, 13.3771, Loo, toilets"
    route = Route(ROUTE.points, (Waypoint(52.5097, 13.3761, "toilets", "Loo"),))
    assert format_text(route).splitlines()[1] == "52.5097, 13.3761, Loo, toilets"


def test_format_text_of_empty_route_is_empty_and_parses_back():
    assert format_text(Route((), ())) == ""
    assert parse_text(format_text(Route((), ()))) == Route((), ())


# --- GPX --------------------------------------------------------------------------------


def gpx(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{body}</gpx>"
    ).encode()


def test_gpx_round_trip_keeps_points_labels_and_kinds():
    xml = to_gpx(ROUTE, "Demo & march")
    assert "<name>Demo &amp; march</name>" in xml
    assert parse_gpx(xml.encode()) == ROUTE


def test_gpx_concatenates_all_tracks_and_segments_in_order():
    route = parse_gpx(
        gpx(
            '<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/></trkseg>'
            '<trkseg><trkpt lat="3" lon="3"/></trkseg></trk>'
            '<trk><trkseg><trkpt lat="4" lon="4"/></trkseg></trk>'
            '<rte><rtept lat="9" lon="9"/><rtept lat="8" lon="8"/></rte>'
        )
    )
    assert route.points == tuple(Point(i, i) for i in (1, 2, 3, 4))


def test_gpx_without_tracks_offers_to_connect_its_route_points():
    choice = parse_gpx(
        gpx(
            '<wpt lat="9" lon="9"><name>Start</name></wpt>'
            '<rte><rtept lat="9" lon="9"/><rtept lat="8.1234567" lon="8"/></rte>'
        )
    )
    assert isinstance(choice, ConnectPoints)
    assert choice.route.points == (Point(9, 9), Point(8.123457, 8))
    assert [w.label for w in choice.route.waypoints] == ["Start"]


def test_gpx_waypoint_kinds_default_by_position_or_come_from_type():
    route = parse_gpx(
        gpx(
            '<wpt lat="1" lon="1"><name>A</name></wpt>'
            '<wpt lat="2" lon="2"><name>B</name><type>Toilets</type></wpt>'
            '<wpt lat="3" lon="3"><name>C</name><type>Restaurant</type></wpt>'
            '<wpt lat="4" lon="4"><name>D</name></wpt>'
            '<wpt lat="5" lon="5"><name> E </name></wpt>'
            '<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="5" lon="5"/></trkseg></trk>'
        )
    )
    assert [(w.label, w.kind) for w in route.waypoints] == [
        ("A", "assembly"),
        ("B", "toilets"),
        ("C", "stop"),
        ("D", "stop"),
        ("E", "end"),
    ]


def test_gpx_with_only_waypoints_offers_to_connect_them_in_order():
    choice = parse_gpx(
        gpx(
            '<wpt lat="1" lon="1"><name>A</name></wpt>'
            '<wpt lat="2" lon="2"><name>B</name><type>toilets</type></wpt>'
            '<wpt lat="3" lon="3"><name>C</name></wpt>'
        )
    )
    assert isinstance(choice, ConnectPoints)
    assert choice.route.points == (Point(1, 1), Point(2, 2), Point(3, 3))
    assert [(w.label, w.kind) for w in choice.route.waypoints] == [
        ("A", "assembly"),
        ("B", "toilets"),
        ("C", "end"),
    ]


def test_gpx_with_one_waypoint_and_no_track_cannot_be_connected():
    with pytest.raises(RouteError, match="^A route needs at least two points.$"):
        parse_gpx(gpx('<wpt lat="1" lon="1"><name>A</name></wpt>'))


def test_gpx_with_nothing_has_no_route_points():
    with pytest.raises(RouteError, match="^The file contains no route points.$"):
        parse_gpx(gpx("<metadata><name>x</name></metadata>"))


def test_gpx_waypoint_without_name_is_rejected_clearly():
    with pytest.raises(RouteError, match="Waypoint 1: a label is required"):
        parse_gpx(
            gpx(
                '<wpt lat="1" lon="1"/><trk><trkseg><trkpt lat="1" lon="1"/>'
                '<trkpt lat="2" lon="2"/></trkseg></trk>'
            )
        )


def _lol_body(i: int) -> str:
    return ("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10


def test_gpx_with_entity_expansion_is_rejected():
    billion_laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n <!ENTITY lol "lol">\n'
        + b"".join(f' <!ENTITY lol{i} "{_lol_body(i)}">\n'.encode() for i in range(1, 10))
        + b']>\n<gpx version="1.1"><wpt lat="1" lon="1"><name>&lol9;</name></wpt></gpx>'
    )
    with pytest.raises(RouteError) as err:
        parse_gpx(billion_laughs)
    assert str(err.value) == "The GPX file is not valid: it contains a DTD or entities."


def test_gpx_with_external_entity_is_rejected(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<gpx version="1.1"><wpt lat="1" lon="1"><name>&xxe;</name></wpt>'
        '<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/></trkseg></trk></gpx>'
    )
    with pytest.raises(RouteError, match="contains a DTD or entities") as err:
        parse_gpx(xxe.encode())
    assert "top secret" not in str(err.value)


def test_gpx_with_any_doctype_is_rejected():
    with pytest.raises(RouteError, match="contains a DTD"):
        parse_gpx(b'<?xml version="1.0"?><!DOCTYPE gpx><gpx version="1.1"></gpx>')


@pytest.mark.parametrize(
    "data",
    [
        b"<gpx><trk>",
        b"not xml at all",
        b"",
        b'<gpx version="1.1"><trk></gpx>',
    ],
)
def test_gpx_that_is_broken_xml_is_rejected(data):
    with pytest.raises(RouteError, match="^The GPX file could not be read: "):
        parse_gpx(data)


def test_gpx_with_non_numeric_coordinates_is_rejected():
    with pytest.raises(RouteError, match="^The GPX file could not be read: "):
        parse_gpx(gpx('<trk><trkseg><trkpt lat="abc" lon="1"/></trkseg></trk>'))


def test_gpx_with_out_of_range_or_nan_coordinates_is_rejected():
    with pytest.raises(RouteError, match="Point 2: latitude must be between -90 and 90."):
        parse_gpx(
            gpx('<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="95" lon="1"/></trkseg></trk>')
        )
    with pytest.raises(RouteError, match="Point 1: longitude must be between"):
        parse_gpx(
            gpx('<trk><trkseg><trkpt lat="1" lon="NaN"/><trkpt lat="2" lon="1"/></trkseg></trk>')
        )


def test_gpx_that_is_not_utf8_is_rejected():
    with pytest.raises(RouteError, match="not UTF-8"):
        parse_gpx('<gpx><wpt lat="1" lon="1"><name>Café</name></wpt></gpx>'.encode("latin-1"))


def test_xml_that_is_not_gpx_is_rejected():
    with pytest.raises(RouteError, match="not a GPX file"):
        parse_gpx(b"<kml><Placemark/></kml>")


def test_gpx_larger_than_2_mb_is_rejected_before_parsing():
    data = gpx("<!--" + "x" * MAX_UPLOAD_BYTES + "-->")
    with pytest.raises(RouteError, match=r"^The file is larger than 2 MB\.$"):
        parse_gpx(data)
    with pytest.raises(RouteError, match="larger than 2 MB"):
        parse_gpx(b"<" * (MAX_UPLOAD_BYTES + 1))  # not even XML: size is checked first


def test_gpx_of_exactly_2_mb_is_read():
    body = '<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/></trkseg></trk>'
    data = gpx(body) + b"<!--"
    data += b"x" * (MAX_UPLOAD_BYTES - len(data) - 3) + b"-->"
    assert len(data) == MAX_UPLOAD_BYTES
    assert len(parse_gpx(data).points) == 2


def test_gpx_with_many_namespaces_is_rejected():
    # gpxpy's namespace handling is quadratic in these; 20 000 took ~35 s unguarded
    attrs = " ".join(f'xmlns:p{i}="urn:{i}"' for i in range(20_000))
    with pytest.raises(RouteError, match="too many XML namespaces"):
        parse_gpx(f"<gpx {attrs}></gpx>".encode())
    with pytest.raises(RouteError, match="too many XML namespaces"):
        parse_gpx(gpx("<desc>" + " xmlns" * 100_000 + "</desc>"))


def test_gpx_redeclaring_the_same_namespace_on_every_point_is_accepted():
    ext = '<extensions><x:hr xmlns:x="urn:garmin">{}</x:hr></extensions>'
    points = "".join(f'<trkpt lat="1.{i:04d}" lon="1">{ext.format(i)}</trkpt>' for i in range(3000))
    assert len(parse_gpx(gpx(f"<trk><trkseg>{points}</trkseg></trk>")).points) == 3000


def test_gpx_label_with_newlines_and_tabs_is_tidied():
    route = parse_gpx(
        gpx(
            '<wpt lat="1" lon="1"><name>\n  Meeting\tpoint\n</name></wpt>'
            '<trk><trkseg><trkpt lat="1" lon="1"/><trkpt lat="2" lon="2"/></trkseg></trk>'
        )
    )
    assert route.waypoints[0].label == "Meeting point"


def test_gpx_parsing_leaves_no_namespaces_registered_globally():
    before = dict(stdlib_et._namespace_map)
    parse_gpx(
        gpx(
            '<trk xmlns:evil="urn:evil"><trkseg><trkpt lat="1" lon="1"/>'
            '<trkpt lat="2" lon="2"/></trkseg></trk>'
        )
    )
    assert stdlib_et._namespace_map == before


def test_gpx_with_5001_points_is_rejected_and_5000_accepted():
    def track(n):
        points = "".join(f'<trkpt lat="{52 + i / 100_000}" lon="13"/>' for i in range(n))
        return gpx(f"<trk><trkseg>{points}</trkseg></trk>")

    assert len(parse_gpx(track(MAX_POINTS)).points) == MAX_POINTS
    with pytest.raises(RouteError, match="at most 5000 points"):
        parse_gpx(track(MAX_POINTS + 1))


# --- GeoJSON ----------------------------------------------------------------------------


def test_geojson_round_trip_keeps_points_labels_and_kinds():
    doc = to_geojson(ROUTE, "Demo")
    assert doc["features"][0]["properties"] == {"name": "Demo"}
    assert doc["features"][0]["geometry"]["coordinates"][0] == [13.3762, 52.5096]
    assert doc["features"][2]["properties"] == {
        "label": ROUTE.waypoints[1].label,
        "kind": "first_aid",
    }
    assert parse_geojson(json.dumps(doc).encode()) == ROUTE


def test_geojson_coordinates_are_longitude_first():
    route = parse_geojson(geojson_bytes(line_string([[13.4, 52.5], [13.5, 52.6]])))
    assert route.points == (Point(52.5, 13.4), Point(52.6, 13.5))


def test_geojson_accepts_a_feature_with_a_line_string():
    route = parse_geojson(geojson_bytes(feature(line_string([[1, 2], [3, 4.12345678]]))))
    assert route.points == (Point(2, 1), Point(4.123457, 3))
    assert route.waypoints == ()


def test_geojson_point_features_become_waypoints_with_defaults():
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature({"type": "Point", "coordinates": [1, 1]}, name="Start"),
            feature(line_string([[1, 1], [2, 2]])),
            feature({"type": "Point", "coordinates": [1.5, 1.5]}, label="Loo", kind="Toilets"),
            feature({"type": "Point", "coordinates": [1.6, 1.6]}, label="Tea", kind="bar"),
            feature({"type": "Point", "coordinates": [1.7, 1.7]}, label="Odd", kind=7),
            feature({"type": "Point", "coordinates": [2, 2]}, label="Finish", name="ignored"),
        ],
    }
    route = parse_geojson(geojson_bytes(doc))
    assert [(w.label, w.kind) for w in route.waypoints] == [
        ("Start", "assembly"),
        ("Loo", "toilets"),
        ("Tea", "stop"),
        ("Odd", "stop"),
        ("Finish", "end"),
    ]


@pytest.mark.parametrize(
    "doc, message",
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            "The route must be a single LineString, not “Polygon”.",
        ),
        (
            {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]},
            "The route must be a single LineString, not “MultiLineString”.",
        ),
        (
            feature({"type": "MultiLineString", "coordinates": []}),
            "The route must be a single LineString, not “MultiLineString”.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(line_string([[0, 0], [1, 1]])),
                    feature(line_string([[2, 2], [3, 3]])),
                ],
            },
            "The file contains 2 lines; it needs exactly one LineString for the route.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [feature({"type": "Point", "coordinates": [0, 0]}, label="x")],
            },
            "The file contains no route line: add one LineString feature.",
        ),
        (
            {"type": "FeatureCollection", "features": []},
            "The file contains no route line: add one LineString feature.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(line_string([[0, 0], [1, 1]])),
                    feature({"type": "Polygon", "coordinates": []}),
                ],
            },
            "Feature 2: only LineString and Point geometries are supported, not “Polygon”.",
        ),
        (line_string([[0, 0], [181, 1]]), "Line point 2: longitude must be between -180 and 180."),
        (line_string([[0, 0], [1, -91]]), "Line point 2: latitude must be between -90 and 90."),
        (line_string([[0, 0], [1, 10**400]]), "Line point 2: latitude must be between"),
        (line_string([]), "The file contains no route points."),
        (line_string([[0, 0]]), "A route needs at least two points."),
        (line_string([[0, 0], ["1", "2"]]), "Line point 2: latitude must be a number."),
        (line_string([[0, 0], [True, 1]]), "Line point 2: longitude must be a number."),
        (line_string([[0, 0], [None, 1]]), "Line point 2: longitude must be a number."),
        (line_string([[0, 0], [1]]), "Line point 2: a position must be a list"),
        (line_string([[0, 0], {"lat": 1}]), "Line point 2: a position must be a list"),
        (line_string([[0, 0], [[1, 2], [3, 4]]]), "Line point 2: latitude must be a number."),
        (line_string("0,0,1,1"), "The LineString coordinates must be a list of positions."),
        (line_string(None), "The LineString coordinates must be a list of positions."),
        ([[0, 0], [1, 1]], "The GeoJSON must be an object"),
        ("LineString", "The GeoJSON must be an object"),
        (None, "The GeoJSON must be an object"),
        ({}, "The route must be a single LineString, not “None”."),
        ({"type": ["LineString"]}, "The route must be a single LineString"),
        ({"type": "FeatureCollection"}, "The FeatureCollection has no list of “features”."),
        ({"type": "FeatureCollection", "features": {"a": 1}}, "The FeatureCollection has no list"),
        (
            {"type": "FeatureCollection", "features": [line_string([[0, 0], [1, 1]])]},
            "Feature 1 is not a GeoJSON Feature.",
        ),
        (
            {"type": "FeatureCollection", "features": [[1, 2]]},
            "Feature 1 is not a GeoJSON Feature.",
        ),
        ({"type": "Feature", "geometry": None}, "The file has no geometry."),
        (
            {"type": "Feature", "geometry": line_string([[0, 0], [1, 1]]), "properties": []},
            "The file: “properties” must be an object.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(line_string([[0, 0], [1, 1]])),
                    feature({"type": "Point", "coordinates": [0, 0]}, label=5),
                ],
            },
            "Waypoint 1: the label must be text.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(line_string([[0, 0], [1, 1]])),
                    feature({"type": "Point", "coordinates": [0, 0]}),
                ],
            },
            "Waypoint 1: a label is required.",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(line_string([[0, 0], [1, 1]])),
                    feature({"type": "Point", "coordinates": [0, 95]}, label="x"),
                ],
            },
            "Waypoint 1: latitude must be between -90 and 90.",
        ),
    ],
)
def test_geojson_that_is_not_a_single_usable_line_is_rejected(doc, message):
    with pytest.raises(RouteError) as err:
        parse_geojson(geojson_bytes(doc))
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"{'type': 'LineString'}",
        b"\xff\xfe\x00garbage",
        b'{"a": 1} trailing',
        b'{"type": "LineString", "coordinates": [[0, 0], [NaN, 1]]}',
        b'{"type": "LineString", "coordinates": [[0, 0], [Infinity, 1]]}',
        b'{"type": "LineString", "coordinates": [[0, 0], [' + b"9" * 5000 + b", 1]]}",
    ],
)
def test_geojson_that_is_not_valid_json_is_rejected(data):
    with pytest.raises(RouteError, match="^The file is not valid JSON: "):
        parse_geojson(data)


def test_geojson_nested_garbage_is_rejected_without_crashing():
    with pytest.raises(RouteError, match="nested too deeply"):
        parse_geojson(b"[" * 1_000_000 + b"]" * 1_000_000)


def test_geojson_larger_than_2_mb_is_rejected():
    with pytest.raises(RouteError, match=r"^The file is larger than 2 MB\.$"):
        parse_geojson(b" " * (MAX_UPLOAD_BYTES + 1))


def test_geojson_with_5001_points_is_rejected_and_5000_accepted():
    def doc(n):
        return geojson_bytes(line_string([[13, 52 + i / 100_000] for i in range(n)]))

    assert len(parse_geojson(doc(MAX_POINTS)).points) == MAX_POINTS
    with pytest.raises(RouteError, match="at most 5000 points"):
        parse_geojson(doc(MAX_POINTS + 1))


def test_geojson_with_201_waypoints_is_rejected():
    doc = {
        "type": "FeatureCollection",
        "features": [feature(line_string([[0, 0], [1, 1]]))]
        + [feature({"type": "Point", "coordinates": [0, 0]}, label="x")] * 201,
    }
    with pytest.raises(RouteError, match="at most 200 waypoints"):
        parse_geojson(geojson_bytes(doc))


def test_exports_of_empty_route_are_well_formed():
    assert to_geojson(Route((), ()), "x")["features"][0]["geometry"]["coordinates"] == []
    with pytest.raises(RouteError, match="no route points"):
        parse_gpx(to_gpx(Route((), ()), "x").encode())
