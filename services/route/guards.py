"""Checks an uploaded file passes before a parser reads it: its size, and for GPX that the XML
has no DTD and few namespaces. They protect the process (memory, CPU, gpxpy's global state),
so they run on the raw upload, before anything else is trusted.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as stdlib_et

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from flask_babel import gettext as _

from services.route.values import RouteError, shorten

MAX_UPLOAD_BYTES = 2 * 1024 * 1024

# gpxpy runs regexes over the raw text that go quadratic on stray "xmlns"/"schemaLocation"
# strings, and registers every namespace prefix in ElementTree's process-wide map (each
# registration scanning that map). Real GPX files use a handful of prefixes, so more than
# this many distinct prefixes, or stray strings beyond it, are refused before gpxpy runs.
_MAX_NAMESPACES = 50


def check_size(data: bytes) -> None:
    """Raise RouteError if the upload is larger than MAX_UPLOAD_BYTES."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RouteError(_("The file is larger than 2 MB."))


def guard_xml(text: str) -> None:
    """Raise RouteError unless `text` is well-formed XML with a <gpx> root, no DTD (gpxpy's
    parser would expand entities: "billion laughs", external files) and few namespaces."""
    root: stdlib_et.Element | None = None
    declared, prefixes = 0, set[str]()
    try:
        events = defusedxml.ElementTree.iterparse(
            io.StringIO(text), events=("start", "start-ns"), forbid_dtd=True
        )
        for event, item in events:
            if event == "start-ns":
                declared += 1
                prefixes.add(item[0])
            elif root is None:
                root = item
    except DefusedXmlException:
        raise RouteError(_("The GPX file is not valid: it contains a DTD or entities.")) from None
    except stdlib_et.ParseError as err:
        raise RouteError(
            _("The GPX file could not be read: %(detail)s.", detail=shorten(str(err), 200))
        ) from None
    if root is None or root.tag.rpartition("}")[2] != "gpx":
        raise RouteError(_("The file is not a GPX file: its main element is not <gpx>."))
    if (
        len(prefixes) > _MAX_NAMESPACES
        or text.count("xmlns") > declared + _MAX_NAMESPACES
        or text.count("schemaLocation") > _MAX_NAMESPACES
    ):
        raise RouteError(_("The GPX file could not be read: it uses too many XML namespaces."))
