"""Every route parser, fed anything: it returns a valid route (or, for a file, a choice of
valid routes) or raises RouteError, nothing else, within the profile's deadline and a memory
bound.

Inputs come three ways: arbitrary bytes or text; arbitrary values in the shape of a real
file (near-valid GPX, KML, KMZ and GeoJSON, lines of the text format), which get much further
into the parsers; and those near-valid files cut off or with a byte flipped.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given
from hypothesis import strategies as st

from services.route import (
    MAX_UPLOAD_BYTES,
    ConnectPoints,
    PickLine,
    Route,
    RouteError,
    parse_geojson,
    parse_gpx,
    parse_kml,
    parse_kmz,
    parse_text,
    read_route_file,
    validate,
)

MEMORY_BOUND = 64 * 1024 * 1024  # bytes a single parse may hold at its peak


def read_or_refuse(parser, data) -> Route | None:
    """The parsed route (checked to be valid), or None if the parser refused the input."""
    tracemalloc.start()
    try:
        route = parser(data)
    except RouteError as err:
        assert str(err)  # a sentence for the user
        return None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < MEMORY_BOUND, f"{parser.__name__} held {peak} bytes"
    if isinstance(route, ConnectPoints):
        route = route.route
    if isinstance(route, PickLine):
        assert len(route.options) >= 2
        assert all(o.route is not None or o.problem for o in route.options)
        usable = [o.route for o in route.options if o.route is not None]
        assert usable and all(validate(r) == r for r in usable)
        return usable[0]
    assert isinstance(route, Route)
    assert validate(route) == route  # what a parser returns is always a valid route
    return route


# --- the pieces of near-valid files ---------------------------------------------------------

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-400, max_value=400),
    st.floats(min_value=-90, max_value=90),
)
usable_number = st.floats(-90, 90).map(lambda x: f"{x:.7f}")
number_text = st.one_of(
    usable_number,
    usable_number,
    number.map(str),
    text,
    st.sampled_from(["", "1e400", "-0", "NaN", "٣"]),
)
kind = st.one_of(st.sampled_from(["assembly", "stop", "end", "first aid", "toilets"]), text)


@st.composite
def gpx_documents(draw) -> bytes:
    def point(tag: str) -> str:
        lat, lon = draw(number_text), draw(number_text)
        inner = draw(
            st.sampled_from(
                [
                    "",
                    f"<name>{escape(draw(text))}</name>",
                    f"<type>{escape(draw(kind))}</type>",
                    f"<extensions><x:a xmlns:x='urn:x'>{escape(draw(text))}</x:a></extensions>",
                    draw(text),  # raw: may break the XML
                ]
            )
        )
        return f"<{tag} lat={quoteattr(lat)} lon={quoteattr(lon)}>{inner}</{tag}>"

    pieces = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.sampled_from(["wpt", "trk", "rte", "junk"]))
        if choice == "wpt":
            pieces.append(point("wpt"))
        elif choice == "trk":
            points = "".join(point("trkpt") for _ in range(draw(st.integers(0, 5))))
            pieces.append(f"<trk><trkseg>{points}</trkseg></trk>")
        elif choice == "rte":
            points = "".join(point("rtept") for _ in range(draw(st.integers(0, 5))))
            pieces.append(f"<rte>{points}</rte>")
        else:
            pieces.append(draw(text))
    root = draw(st.sampled_from(["gpx", "GPX", "kml", "gpx:gpx"]))
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<{root} version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        + "".join(pieces)
        + f"</{root}>"
    ).encode()
    return draw(damaged(doc))


@st.composite
def kml_documents(draw) -> bytes:
    def coordinates() -> str:
        tuples = [
            draw(st.sampled_from([",", ", ", " ,"])).join(
                [draw(number_text), draw(number_text)] + draw(st.lists(number_text, max_size=1))
            )
            for _ in range(draw(st.integers(0, 5)))
        ]
        return draw(st.sampled_from([" ", "\n", "\t", "\r\n  "])).join(tuples)

    def geometry(depth: int = 0) -> str:
        choice = draw(st.sampled_from(["line", "point", "track", "multi", "junk"]))
        if choice == "line":
            return f"<LineString><coordinates>{escape(coordinates())}</coordinates></LineString>"
        if choice == "point":
            return f"<Point><coordinates>{escape(coordinates())}</coordinates></Point>"
        if choice == "track":
            coords = "".join(
                f"<gx:coord>{escape(draw(number_text))} {escape(draw(number_text))}</gx:coord>"
                for _ in range(draw(st.integers(0, 4)))
            )
            return f"<gx:Track>{coords}</gx:Track>"
        if choice == "multi" and depth < 2:
            parts = "".join(geometry(depth + 1) for _ in range(draw(st.integers(0, 3))))
            return f"<MultiGeometry>{parts}</MultiGeometry>"
        return draw(text)  # raw: may break the XML

    def placemark() -> str:
        name = f"<name>{escape(draw(text))}</name>" if draw(st.booleans()) else ""
        kind_data = (
            f'<ExtendedData><Data name="kind"><value>{escape(draw(kind))}</value></Data>'
            "</ExtendedData>"
            if draw(st.booleans())
            else ""
        )
        return f"<Placemark>{name}{kind_data}{geometry()}</Placemark>"

    body = "".join(
        draw(
            st.sampled_from(
                ["{}", "<Folder>{}</Folder>", "<Document><Folder>{}</Folder></Document>"]
            )
        ).format(placemark())
        for _ in range(draw(st.integers(0, 5)))
    )
    namespace = draw(
        st.sampled_from(["http://www.opengis.net/kml/2.2", "http://earth.google.com/kml/2.1", ""])
    )
    root = draw(st.sampled_from(["kml", "kml", "gpx", "kml:kml"]))
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    doc = (
        f'<?xml version="1.0" encoding="UTF-8"?><{root}{xmlns} '
        f'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>{body}</Document></{root}>'
    ).encode()
    return draw(damaged(doc))


@st.composite
def kmz_files(draw) -> bytes:
    names = ["doc.kml", "a.kml", "images/icon-1.png", "../x.kml", "x.kmz"]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", draw(st.sampled_from([zipfile.ZIP_DEFLATED, 0]))) as kmz:
        for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
            kmz.writestr(name, draw(st.one_of(kml_documents(), st.binary(max_size=200))))
    return draw(damaged(packed.getvalue()))


def damaged(doc: bytes):
    """The document as it is, cut off, or with one byte replaced."""
    return st.one_of(
        st.just(doc),
        st.integers(0, len(doc)).map(lambda n: doc[:n]),
        st.tuples(st.integers(0, max(0, len(doc) - 1)), st.integers(0, 255)).map(
            lambda at: doc[: at[0]] + bytes([at[1]]) + doc[at[0] + 1 :]
        ),
    )


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), number, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
usable_position = st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list)
position = st.one_of(usable_position, usable_position, st.lists(number, max_size=3), json_values)


@st.composite
def geojson_documents(draw) -> bytes:
    def geometry():
        kind = draw(st.sampled_from(["LineString", "Point", "Point", "Polygon", None]))
        if kind == "Point":
            coordinates = draw(position)
        else:
            coordinates = draw(st.one_of(st.lists(position, max_size=6), json_values))
        return {"type": kind, "coordinates": coordinates}

    def feature():
        properties = draw(
            st.one_of(
                st.just({}),
                st.fixed_dictionaries({"label": text, "kind": kind}),
                st.fixed_dictionaries({"name": json_values}),
                json_values,
            )
        )
        return {"type": "Feature", "geometry": geometry(), "properties": properties}

    doc = draw(
        st.sampled_from(
            [
                {
                    "type": "FeatureCollection",
                    "features": [feature() for _ in range(draw(st.integers(1, 4)))],
                },
                feature(),
                geometry(),
                draw(json_values),
            ]
        )
    )
    return draw(damaged(json.dumps(doc).encode()))


@st.composite
def route_texts(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        fields = [draw(number_text), draw(number_text)]
        fields += draw(st.lists(st.one_of(text, kind), max_size=2))
        separator = draw(st.sampled_from([", ", ",", " , "]))
        lines.append(separator.join(fields))
    lines += draw(st.lists(st.sampled_from(["", "# a comment", "   "]), max_size=2))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


# --- the properties -------------------------------------------------------------------------


@given(st.binary(max_size=2000))
def test_gpx_from_any_bytes(data):
    read_or_refuse(parse_gpx, data)


@given(gpx_documents())
def test_gpx_from_near_valid_files(data):
    read_or_refuse(parse_gpx, data)


@given(st.binary(max_size=2000))
def test_geojson_from_any_bytes(data):
    read_or_refuse(parse_geojson, data)


@given(geojson_documents())
def test_geojson_from_near_valid_files(data):
    read_or_refuse(parse_geojson, data)


@given(st.binary(max_size=2000))
def test_kml_and_kmz_from_any_bytes(data):
    read_or_refuse(parse_kml, data)
    read_or_refuse(parse_kmz, data)
    read_or_refuse(parse_kmz, b"PK\x03\x04" + data)


@given(kml_documents())
def test_kml_from_near_valid_files(data):
    read_or_refuse(parse_kml, data)


@given(kmz_files())
def test_kmz_from_near_valid_archives(data):
    read_or_refuse(parse_kmz, data)


@given(st.one_of(st.binary(max_size=2000), kml_documents(), gpx_documents(), kmz_files()))
def test_any_upload_is_told_apart_and_read_or_refused(data):
    def read_upload(data: bytes):
        return read_route_file(data, "upload")

    read_or_refuse(read_upload, data)


@given(st.text(max_size=2000))
def test_text_format_from_any_text(value):
    read_or_refuse(parse_text, value)


@given(route_texts())
def test_text_format_from_near_valid_lines(value):
    read_or_refuse(parse_text, value)


@given(
    st.sampled_from([b"<", b"[", b"{", b"<x>", b'{"a":', b"<gpx>", b"<kml>", b"<Folder>"]),
    st.sampled_from([1, 7, 20]),
)
def test_big_inputs_stay_within_the_bounds(unit, times):
    # Up to the upload limit, made of one repeated opening: the worst shape for nesting
    data = unit * (MAX_UPLOAD_BYTES // len(unit) * times // 20)
    read_or_refuse(parse_gpx, data)
    read_or_refuse(parse_kml, data)
    read_or_refuse(parse_geojson, data)
    read_or_refuse(parse_text, data.decode())
