"""Checks an uploaded file passes before a parser reads it: its size; for GPX a streaming scan
of the XML (no DTD, bounded depth and node count, few namespaces) that also cuts out
<extensions>; for GeoJSON a bound on nesting. They protect the process (stack, memory, CPU,
gpxpy's global state), so they run on the raw upload, before any library builds a tree.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from xml.parsers import expat

from flask_babel import gettext as _

from services.route.values import RouteError, shorten

MAX_UPLOAD_BYTES = 2 * 1024 * 1024

# gpxpy copies and walks its tree recursively: 200,000 nested elements overflow the C stack
# and kill the worker (SIGSEGV). Real GPX is about 6 deep (gpx/trk/trkseg/trkpt/extensions/
# x:TrackPointExtension/x:hr); a 2 MB file with 5000 points has well under 100,000 nodes.
MAX_XML_DEPTH = 32
MAX_XML_NODES = 200_000  # elements plus attributes
# GeoJSON is about 5 deep (FeatureCollection/features/Feature/geometry/coordinates/position);
# properties may nest a little more. json's own recursion would stop near 1000.
MAX_JSON_DEPTH = 32

# gpxpy runs regexes over the raw text that go quadratic on stray "xmlns"/"schemaLocation"
# strings, and registers every namespace prefix in ElementTree's process-wide map (each
# registration scanning that map). Real GPX files use a handful of prefixes, so more than
# this many distinct prefixes, or stray strings beyond it, are refused before gpxpy runs.
_MAX_NAMESPACES = 50


def check_size(data: bytes) -> None:
    """Raise RouteError if the upload is larger than MAX_UPLOAD_BYTES."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RouteError(_("The file is larger than 2 MB."))


class _Refused(Exception):
    """Raised from inside the expat handlers to stop the scan at the first problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _GpxScan:
    """Expat handlers that count depth and nodes, note namespaces, refuse DTDs, and record
    where each outermost <extensions> element starts and where the next thing after it
    starts, so that it can be cut out. Expat keeps its element stack on the heap, so any
    nesting is safe to scan."""

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.depth = self.nodes = self.declared = 0
        self.prefixes: set[str] = set()
        self.root: str | None = None
        self.in_extensions = 0  # depth inside the current outermost <extensions>, 0 outside
        self.cut_from: int | None = None
        self.cut_pending = False  # an <extensions> just ended: the next event ends the cut
        self.cuts: list[tuple[int, int]] = []
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.namespace
        parser.CharacterDataHandler = self.other
        parser.CommentHandler = self.other
        parser.ProcessingInstructionHandler = self.other
        parser.StartCdataSectionHandler = self.other
        parser.StartDoctypeDeclHandler = self.dtd
        parser.EntityDeclHandler = self.dtd
        parser.UnparsedEntityDeclHandler = self.dtd
        parser.ExternalEntityRefHandler = self.dtd
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def _close_cut(self) -> None:
        if self.cut_pending:
            assert self.cut_from is not None
            self.cuts.append((self.cut_from, self.parser.CurrentByteIndex))
            self.cut_pending, self.cut_from = False, None

    def start(self, name: str, attributes: list[str]) -> None:
        self._close_cut()
        self.depth += 1
        self.nodes += 1 + len(attributes) // 2  # ordered_attributes: [name, value, ...]
        if self.depth > MAX_XML_DEPTH:
            raise _Refused(_("The GPX file could not be read: its elements are nested too deeply."))
        if self.nodes > MAX_XML_NODES:
            raise _Refused(_("The GPX file could not be read: it has too many elements."))
        local = name.rpartition(" ")[2]
        if self.root is None:
            self.root = local
        if self.in_extensions:
            self.in_extensions += 1
        elif local == "extensions":
            self.in_extensions, self.cut_from = 1, self.parser.CurrentByteIndex

    def end(self, _name: str) -> None:
        self._close_cut()
        self.depth -= 1
        if self.in_extensions:
            self.in_extensions -= 1
            self.cut_pending = not self.in_extensions

    def namespace(self, prefix: str | None, _uri: str) -> None:
        self.declared += 1
        self.prefixes.add(prefix or "")
        if len(self.prefixes) > _MAX_NAMESPACES:
            raise _Refused(_("The GPX file could not be read: it uses too many XML namespaces."))

    def other(self, *_args) -> None:
        self._close_cut()

    def dtd(self, *_args) -> None:
        raise _Refused(_("The GPX file is not valid: it contains a DTD or entities."))


def guard_xml(text: str) -> str:
    """`text` without its <extensions> elements, if it is well-formed XML with a <gpx> root,
    no DTD (gpxpy's parser would expand entities: "billion laughs", external files), at most
    MAX_XML_DEPTH levels and MAX_XML_NODES nodes, and few namespaces; else RouteError.

    The scan streams (expat, no tree), stops at the first problem, and runs before any XML
    library builds a tree. Extensions (heart rate, cadence...) are never used, so gpxpy never
    sees them: nothing there can reach its recursive copies.
    """
    data = text.encode("utf-8")
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.ordered_attributes = True
    parser.buffer_text = False  # so each text event's position is exact
    scan = _GpxScan(parser)
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise RouteError(refused.message) from None
    except expat.ExpatError as err:
        raise RouteError(
            _(
                "The GPX file could not be read: %(detail)s.",
                detail=shorten(str(err), 200),
            )
        ) from None
    if scan.root != "gpx":
        raise RouteError(_("The file is not a GPX file: its main element is not <gpx>."))
    if text.count("xmlns") > scan.declared + _MAX_NAMESPACES or (
        text.count("schemaLocation") > _MAX_NAMESPACES
    ):
        raise RouteError(_("The GPX file could not be read: it uses too many XML namespaces."))
    if not scan.cuts:
        return text
    kept, start = [], 0
    for cut_from, cut_to in scan.cuts:
        kept.append(data[start:cut_from])
        start = cut_to
    kept.append(data[start:])
    return b"".join(kept).decode("utf-8")


_JSON_ESCAPE = re.compile(r"\\.", re.DOTALL)
_JSON_STRING = re.compile(r'"[^"]*"')  # linear once escapes (\" among them) are gone
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def guard_json(text: str) -> None:
    """Raise RouteError if `text` nests arrays and objects more than MAX_JSON_DEPTH deep.

    A linear scan that skips strings and counts brackets, run before json builds anything:
    json itself recurses once per level.
    """
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", _JSON_ESCAPE.sub("", text)))
    depths = accumulate(map(_STEP.__getitem__, brackets))
    if any(map(MAX_JSON_DEPTH.__lt__, depths)):  # stops at the first level too deep
        raise RouteError(_("The file is not usable GeoJSON: it is nested too deeply."))


def decode_json(data: bytes) -> str:
    """The text of a JSON upload in the encoding JSON allows (UTF-8, -16 or -32)."""
    try:
        return data.decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError) as err:
        raise RouteError(
            _("The file is not valid JSON: %(detail)s.", detail=shorten(str(err), 200))
        ) from None
