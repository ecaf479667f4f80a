"""An uploaded route file, told apart by its content: KMZ, GPX, KML or GeoJSON."""

from __future__ import annotations

from flask_babel import gettext as _

from services.route.choices import Choice
from services.route.geojson import parse_geojson
from services.route.gpx import parse_gpx
from services.route.guards import check_size, is_zip, xml_root
from services.route.kml import parse_kml, parse_kmz
from services.route.values import Route, RouteError

_XML_PARSERS = {"gpx": parse_gpx, "kml": parse_kml}
_BY_EXTENSION = {
    ".gpx": parse_gpx,
    ".kml": parse_kml,
    ".kmz": parse_kmz,
    ".json": parse_geojson,
    ".geojson": parse_geojson,
}


def read_route_file(data: bytes, filename: str) -> Route | Choice:
    """The route in an uploaded file, or the choice it needs (see `services.route.choices`).

    The content decides what the file is: a zip is KMZ, XML is GPX or KML by its main
    element, `{` or `[` is GeoJSON. The name's extension only picks the parser (and so the
    message) for content that says nothing clear, such as UTF-16 JSON or broken XML.
    Raises RouteError, with a sentence for the organiser.
    """
    check_size(data)
    if is_zip(data):
        return parse_kmz(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<" and (parser := _XML_PARSERS.get(xml_root(data) or "")):
        return parser(data)
    if head in (b"{", b"["):
        return parse_geojson(data)
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
    if parser := _BY_EXTENSION.get(extension):
        return parser(data)
    if head == b"<":
        raise RouteError(
            _("The file is XML, but neither GPX nor KML: its main element is not <gpx> or <kml>.")
        )
    raise RouteError(_("Upload a GPX (.gpx), KML (.kml), KMZ (.kmz) or GeoJSON (.geojson) file."))
