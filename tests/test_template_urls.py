"""Every link is built from an endpoint that exists: a wrong name (``events.ics`` for
``events.event_calendar``) fails here instead of only working through a fallback."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# url_for('name' ...) anywhere, and ("name", _("Label")) pairs that a menu passes to url_for.
NAMED = re.compile(r"""url_for\(\s*['"]([\w.]+)['"]""")
MENU = re.compile(r"""\(\s*['"](\w+\.\w+)['"]\s*,\s*_\(""")
BLUEPRINT = re.compile(r"""Blueprint\(\s*['"](\w+)['"]""")


def _sources() -> list[Path]:
    templates = [p for p in (ROOT / "templates").rglob("*") if p.suffix in {".html", ".txt"}]
    code = [p for folder in ("routes", "services", "core") for p in (ROOT / folder).rglob("*.py")]
    return sorted(templates + code)


def _blueprint(path: Path) -> str:
    """The blueprint a view module's relative names (".schedule") belong to: its own, or the
    one its package defines."""
    for source in (path, *sorted(path.parent.glob("*.py"))):
        if match := BLUEPRINT.search(source.read_text(encoding="utf-8")):
            return match.group(1)
    raise AssertionError(f"{path} uses a relative endpoint but defines no blueprint")


def _endpoints() -> list[tuple[str, str]]:
    found = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for pattern in (NAMED, MENU):
            for name in pattern.findall(text):
                if name.startswith("."):
                    name = _blueprint(path) + name
                found.append((str(path.relative_to(ROOT)), name))
    return found


def test_the_scan_finds_the_links_it_is_meant_to_check():
    names = {name for _, name in _endpoints()}
    assert {"events.event_calendar", "rsvp.manage", "organise.overview"} <= names


def test_every_linked_endpoint_exists(app):
    unknown = [f"{where}: {name}" for where, name in _endpoints() if name not in app.view_functions]
    assert unknown == []
