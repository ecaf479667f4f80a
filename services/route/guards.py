"""Checks an uploaded file passes before a parser reads it: its size; for GPX and KML a
streaming scan of the XML (no DTD, bounded depth and node count, few namespaces) that for GPX
also cuts out <extensions>; for KMZ a bounded unpacking of its one KML file; for GeoJSON a
bound on nesting. They protect the process (stack, memory, CPU, gpxpy's global state), so they
run on the raw upload, before any library builds a tree.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from itertools import accumulate
from xml.parsers import expat

from flask_babel import gettext as _

from services.route.values import RouteError, shorten

MAX_UPLOAD_BYTES = 2 * 1024 * 1024

# A KMZ is a zip of one KML file and its icons. Only that KML file is ever unpacked, and at
# most this much of it: KML text packs about 5 to 15 times, so a 2 MB KMZ of a real map stays
# well under it, while a zip bomb is stopped here whatever its headers claim.
MAX_KML_BYTES = 8 * 1024 * 1024
MAX_KMZ_ENTRIES = 1000  # My Maps and Google Earth add one entry per icon or photo
MAX_KMZ_RATIO = 100  # unpacked/packed bytes; deflate reaches ~1000 on a bomb, text ~15
_ZIP_MAGIC = b"PK\x03\x04"
_FORMAT_NAMES = {"gpx": "GPX", "kml": "KML"}

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


class _XmlScan:
    """Expat handlers that count depth and nodes, note namespaces, refuse DTDs, and record
    where each outermost <extensions> element starts and where the next thing after it
    starts, so that it can be cut out. Expat keeps its element stack on the heap, so any
    nesting is safe to scan."""

    def __init__(self, parser: expat.XMLParserType, root: str) -> None:
        self.parser = parser
        self.format = _FORMAT_NAMES[root]
        self.cut_extensions = root == "gpx"
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
            raise _Refused(
                _(
                    "The %(format)s file could not be read: its elements are nested too deeply.",
                    format=self.format,
                )
            )
        if self.nodes > MAX_XML_NODES:
            raise _Refused(
                _(
                    "The %(format)s file could not be read: it has too many elements.",
                    format=self.format,
                )
            )
        local = name.rpartition(" ")[2]
        if self.root is None:
            self.root = local
        if self.in_extensions:
            self.in_extensions += 1
        elif local == "extensions" and self.cut_extensions:
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
            raise _Refused(_too_many_namespaces(self.format))

    def other(self, *_args) -> None:
        self._close_cut()

    def dtd(self, *_args) -> None:
        raise _Refused(
            _(
                "The %(format)s file is not valid: it contains a DTD or entities.",
                format=self.format,
            )
        )


def _too_many_namespaces(format_name: str) -> str:
    return _(
        "The %(format)s file could not be read: it uses too many XML namespaces.",
        format=format_name,
    )


def decode_xml(data: bytes, root: str) -> str:
    """The text of a GPX or KML upload, which must be UTF-8 (a BOM is dropped)."""
    try:
        return data.decode("utf-8-sig")  # so the guard and the parser read exactly the same text
    except UnicodeDecodeError:
        raise RouteError(
            _(
                "The %(format)s file could not be read: it is not UTF-8 text.",
                format=_FORMAT_NAMES[root],
            )
        ) from None


def guard_xml(text: str, root: str = "gpx") -> str:
    """`text` if it is well-formed XML whose main element is `root` ("gpx" or "kml"), with no
    DTD (a parser would expand entities: "billion laughs", external files), at most
    MAX_XML_DEPTH levels and MAX_XML_NODES nodes, and few namespaces; else RouteError.
    A GPX file comes back without its <extensions> elements.

    The scan streams (expat, no tree), stops at the first problem, and runs before any XML
    library builds a tree. Extensions (heart rate, cadence...) are never used, so gpxpy never
    sees them: nothing there can reach its recursive copies.
    """
    data = text.encode("utf-8")
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.ordered_attributes = True
    parser.buffer_text = False  # so each text event's position is exact
    scan = _XmlScan(parser, root)
    format_name = _FORMAT_NAMES[root]
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise RouteError(refused.message) from None
    except expat.ExpatError as err:
        raise RouteError(
            _(
                "The %(format)s file could not be read: %(detail)s.",
                format=format_name,
                detail=shorten(str(err), 200),
            )
        ) from None
    if scan.root != root:
        raise RouteError(
            _(
                "The file is not a %(format)s file: its main element is not <%(root)s>.",
                format=format_name,
                root=root,
            )
        )
    if text.count("xmlns") > scan.declared + _MAX_NAMESPACES or (
        text.count("schemaLocation") > _MAX_NAMESPACES
    ):
        raise RouteError(_too_many_namespaces(format_name))
    if not scan.cuts:
        return text
    kept, start = [], 0
    for cut_from, cut_to in scan.cuts:
        kept.append(data[start:cut_from])
        start = cut_to
    kept.append(data[start:])
    return b"".join(kept).decode("utf-8")


def is_zip(data: bytes) -> bool:
    """Whether `data` starts like a zip archive (a KMZ), whatever the file is called."""
    return data.startswith(_ZIP_MAGIC)


class _StopScan(Exception):
    pass


def xml_root(data: bytes) -> str | None:
    """The local name of the first element of an XML upload ("gpx", "kml"...), or of the
    element its DOCTYPE names; None if the text is not XML that far. Expat stops at that
    first element or declaration, so no entity is ever expanded and no tree is built."""
    found: list[str] = []

    def first(name: str, *_args) -> None:
        found.append(name.rpartition(" ")[2].rpartition(":")[2])
        raise _StopScan

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = first
    parser.StartDoctypeDeclHandler = first
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data[: 64 * 1024], False)
    except _StopScan:
        return found[0]
    except (expat.ExpatError, ValueError):
        return None
    return None


def _kmz_refused(detail: str) -> RouteError:
    return RouteError(_("The KMZ file could not be read: %(detail)s", detail=detail))


def _kml_too_big() -> RouteError:
    return _kmz_refused(
        _(
            "its KML file is larger than %(mb)d MB once unpacked.",
            mb=MAX_KML_BYTES // (1024 * 1024),
        )
    )


def _safe_member_name(name: str) -> bool:
    """A plain relative path: no absolute path, no "..", no backslash, drive or control."""
    parts = name.split("/")
    return not (
        name.startswith("/")
        or "\\" in name
        or ":" in parts[0]
        or ".." in parts
        or any(ord(c) < 32 for c in name)
    )


def unpack_kmz(data: bytes) -> bytes:
    """The bytes of the KML file inside a KMZ (a zip): its `doc.kml`, else its first .kml
    entry. Raises RouteError for a broken or encrypted archive, more than MAX_KMZ_ENTRIES
    entries, an entry with a path trick ("../", "/etc", "C:", "\\"), no KML file, a KML
    file that is itself an archive, one that unpacks to more than MAX_KML_BYTES, or one that
    unpacks more than MAX_KMZ_RATIO times its packed size (a zip bomb).

    zipfile only lists the entries; that one entry is inflated here, in memory, counting
    bytes while inflating: the unpacked sizes in the zip headers are never trusted, and its
    checksum is checked. Only stored and deflated entries are read (as KMZ allows).
    """
    check_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_KMZ_ENTRIES:
                raise _kmz_refused(_("it holds more than %(n)d files.", n=MAX_KMZ_ENTRIES))
            if not all(_safe_member_name(e.filename) for e in entries):
                raise _kmz_refused(_("a file inside it has a path that leaves the archive."))
            entry = _kml_entry(entries)
        return _inflate(data, entry)
    except RouteError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError):
        raise _kmz_refused(_("it is not a valid zip archive.")) from None
    except (NotImplementedError, RuntimeError, ValueError, OverflowError):
        # encrypted entries, unknown compression methods, nonsense in the headers
        raise _kmz_refused(_("it uses zip features that are not supported.")) from None


def _kml_entry(entries: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    files = [e for e in entries if not e.is_dir()]
    entry = next((e for e in files if e.filename == "doc.kml"), None) or next(
        (e for e in files if e.filename.lower().endswith(".kml")), None
    )
    if entry is None:
        if any(e.filename.lower().endswith((".kmz", ".zip")) for e in files):
            raise _kmz_refused(_("it holds another archive instead of a KML file."))
        raise _kmz_refused(_("it holds no KML file."))
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _kmz_refused(_("it uses zip features that are not supported."))
    return entry


def _inflate(data: bytes, entry: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, inflated here from the raw archive so that every step knows how
    many packed bytes gave how many unpacked ones: a bomb is stopped by its ratio as soon as
    it shows, anything else at MAX_KML_BYTES."""
    at = entry.header_offset
    local = data[at : at + 30]
    if len(local) < 30 or not local.startswith(_ZIP_MAGIC) or entry.flag_bits & 0x1:
        raise _kmz_refused(_("it is not a valid zip archive."))  # or encrypted: unreadable
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    begin = at + 30 + name_length + extra_length
    packed = data[begin : begin + entry.compress_size]  # never more than the upload itself
    if entry.compress_type == zipfile.ZIP_STORED:
        kml = packed
    else:
        inflater, chunks, total, consumed = zlib.decompressobj(-15), [], 0, 0
        for offset in range(0, len(packed), 16 * 1024):
            piece = packed[offset : offset + 16 * 1024]
            consumed += len(piece)
            while piece and not inflater.eof:
                chunk = inflater.decompress(piece, 64 * 1024)  # at most this much per call
                total += len(chunk)
                if total > 1024 * 1024 and total > MAX_KMZ_RATIO * consumed:
                    raise _kmz_refused(_("it unpacks to far more than its size (a “zip bomb”)."))
                if total > MAX_KML_BYTES:
                    raise _kml_too_big()
                chunks.append(chunk)
                piece = inflater.unconsumed_tail
        kml = b"".join(chunks)
    if len(kml) > MAX_KML_BYTES:
        raise _kml_too_big()
    if zlib.crc32(kml) != entry.CRC:
        raise _kmz_refused(_("it is not a valid zip archive."))
    if is_zip(kml):
        raise _kmz_refused(_("it holds another archive instead of a KML file."))
    return kml


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
