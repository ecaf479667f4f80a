"""Every string the code hands to a user goes through gettext, so the catalogues (and
tests/test_translations.py, which only sees wrapped strings) cover it.

A static check over services/, routes/, forms/ and core/: in each place where Python code
gives words to a reader, the words must be a gettext call (``_``, ``_l``, ``ngettext``...),
never a literal or an f-string. The places:
- the message of a user-facing error: ``DomainError`` and its subclasses, ``RouteError``, the
  upload guard's ``_Refused`` and WTForms' ``ValidationError``/``StopValidation``, whether
  raised or built (``attach_error(form, DomainError(...))``), also through ``super().__init__``
  in a subclass;
- ``flash(...)`` messages;
- a WTForms validator's message (``DataRequired("...")``, ``Length(..., message=...)``);
- a form field's label and description (``StringField("Title")``), its placeholder, and the
  labels of its choices;
- an API problem's detail (``problem(404, "...")``), and any ``message=`` or ``subject=``.
And what goes into gettext must be the msgid itself: ``_(f"{n} items")`` or ``_("a" + b)``
looks the words up under a text no catalogue holds, so the reader gets English.
(The API's OpenAPI document, pydantic's ``Field(description=...)``, is developer
documentation in English and is not checked.)
A value computed elsewhere (a variable, ``str(err)``) is not judged here: where it comes from
is. Text with no letters ("·", ``f"{n}. {label}"``) carries no words to translate.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("services", "routes", "forms", "core")

GETTEXT = {
    "_",
    "N_",
    "_l",
    "gettext",
    "lazy_gettext",
    "ngettext",
    "lazy_ngettext",
    "pgettext",
    "lazy_pgettext",
    "npgettext",
}
# Exceptions whose message a user reads; subclasses found in the code are added.
USER_ERRORS = {"DomainError", "RouteError", "_Refused", "ValidationError", "StopValidation"}
# WTForms validators: the position of their message argument.
VALIDATORS = {
    "DataRequired": 0,
    "InputRequired": 0,
    "Email": 0,
    "FileRequired": 0,
    "Length": 2,
    "NumberRange": 2,
    "Regexp": 2,
    "EqualTo": 1,
    "URL": 1,
    "AnyOf": 1,
    "NoneOf": 1,
    "FileAllowed": 1,
    "FileSize": 2,
}
FIELD_WORDS = ("label", "description")
RENDER_KW_WORDS = ("placeholder", "title", "aria-label")

# Findings that are known and left alone, as (path, the finding's source text): each says why.
ALLOWED: dict[tuple[str, str], str] = {}

_LETTER = re.compile(r"[^\W\d_]")


def _name(node: ast.expr) -> str | None:
    """The called name: ``f`` for ``f(...)`` and ``x.f(...)``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Dynamic:
    """A msgid given to gettext: bad when it is built at run time (an f-string, ``+``, ``%``
    or ``.format``) rather than written out (a literal, or a name bound to an ``N_`` one)."""

    def __init__(self, node: ast.expr) -> None:
        self.node = node
        self.lineno = node.lineno

    def built(self) -> bool:
        node = self.node
        if isinstance(node, ast.JoinedStr | ast.BinOp):
            return True
        return isinstance(node, ast.Call) and _name(node.func) == "format"


def untranslated(node: ast.expr | _Dynamic | None) -> bool:
    """Whether ``node`` is words written in the code without gettext: a literal or f-string
    with letters, or a formatting or joining of one (``"..." % x``, ``"...".format()``, ``+``)."""
    if node is None:
        return False
    if isinstance(node, _Dynamic):
        return node.built()
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_LETTER.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(untranslated(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return untranslated(node.left) or (
            isinstance(node.op, ast.Add) and untranslated(node.right)
        )
    if isinstance(node, ast.IfExp):
        return untranslated(node.body) or untranslated(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(untranslated(value) for value in node.values)
    if isinstance(node, ast.Call):
        if _name(node.func) in GETTEXT:
            return False
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return untranslated(node.func.value)
    return False


def _arg(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


Code = dict[Path, tuple[str, ast.Module]]  # each file's source and syntax tree


def _user_error_classes(trees: Code) -> set[str]:
    """``USER_ERRORS`` and every class that derives from one of them, however deep."""
    found = set(USER_ERRORS)
    classes = [
        (node.name, {_name(base) for base in node.bases})
        for _source, tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for name, bases in classes:
            if name not in found and bases & found:
                found.add(name)
                grew = True
    return found


def sinks(tree: ast.Module, errors: set[str]):
    """(what, node) for every place in ``tree`` where code hands words to a user."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and {_name(b) for b in node.bases} & errors:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and _name(call.func) == "__init__"
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Call)
                    and _name(call.func.value.func) == "super"
                ):
                    yield f"{node.name} message", _arg(call, 0, "message")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        for kw in node.keywords:
            if kw.arg in ("message", "subject") and name not in errors | VALIDATORS.keys():
                yield f"{name} {kw.arg}", kw.value
        if name in GETTEXT:
            for msgid in node.args[: 2 if "ngettext" in name else 1]:
                yield "gettext msgid", _Dynamic(msgid)
        elif name in errors:
            yield f"{name} message", _arg(node, 0, "message")
        elif name == "flash":
            yield "flash message", _arg(node, 0, "message")
        elif name == "problem":
            yield "API problem detail", _arg(node, 1, "detail")
        elif name in VALIDATORS:
            yield f"{name} message", _arg(node, VALIDATORS[name], "message")
        elif name == "SelectChoice":
            yield "choice label", _arg(node, 1, "label")
        elif name and name.endswith("Field") and name[0].isupper() and name != "Field":
            yield f"{name} label", _arg(node, 0, "label")
            yield f"{name} description", _arg(node, None, "description")
            render_kw = _arg(node, None, "render_kw")
            if isinstance(render_kw, ast.Dict):
                for key, value in zip(render_kw.keys, render_kw.values):
                    if isinstance(key, ast.Constant) and key.value in RENDER_KW_WORDS:
                        yield f"{name} {key.value}", value
            choices = _arg(node, None, "choices")
            if isinstance(choices, ast.List | ast.Tuple):
                for choice in choices.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        yield f"{name} choice label", choice.elts[1]


def findings_in(trees: Code) -> list[tuple[str, str, str]]:
    """(path:line, what, source) of each untranslated string handed to a user."""
    errors = _user_error_classes(trees)
    found = []
    for path, (source, tree) in trees.items():
        for what, node in sinks(tree, errors):
            if untranslated(node):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                node = node.node if isinstance(node, _Dynamic) else node
                found.append((where, what, ast.get_source_segment(source, node) or ""))
    return found


def parse(paths) -> Code:
    return {path: (text := path.read_text(), ast.parse(text, str(path))) for path in paths}


def code_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_string_handed_to_a_user_goes_through_gettext():
    findings = findings_in(parse(code_files()))
    found = [
        f"{where}: {what}: {text}"
        for where, what, text in findings
        if (where.split(":")[0], text) not in ALLOWED
    ]
    assert found == [], "Wrap these in _() or _l() (see tests/test_translations.py):\n" + "\n".join(
        found
    )
    # An allowed finding that was fixed comes off the list, so that it cannot hide a new one.
    present = {(where.split(":")[0], text) for where, _what, text in findings}
    assert sorted(set(ALLOWED) - present) == []


BAD = """
from flask import flash
from flask_babel import gettext as _
from services.errors import DomainError
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length


class EventFull(DomainError):
    def __init__(self):
        super().__init__("The event is full.")


class Form:
    title = StringField("Title", validators=[DataRequired("Enter a title.")])
    note = StringField(_("Note"), validators=[Length(max=5, message=f"At most {5} letters.")])

    def validate_note(self, field):
        raise ValidationError("Say it in fewer words, " + field.data)


def act(err, zone, count):
    flash(_(f"{count} items saved."))
    flash("Saved.")
    flash(_("Saved.") if count else "Nothing to save.")
    raise DomainError(f"{zone} is not a time zone we know.", "timezone")
"""
GOOD = """
from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from services.errors import DomainError
from wtforms import SelectField, StringField


class Form:
    title = StringField(_l("Title"), description=_l("As on the banner."))
    place = SelectField(choices=[("", "—")], render_kw={"placeholder": "52.5, 13.4"})


def act(err, zone, n, label):
    flash(_("Saved."), "success")
    flash(_(SAVED) + " " + ngettext("%(num)d item", "%(num)d items", n))
    raise DomainError(str(err), f"{zone}")


def choice(n, label):
    return SelectChoice(str(n), f"{n}. {label}")
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            BAD,
            [
                "EventFull message",
                "StringField label",
                "DataRequired message",
                "Length message",
                "ValidationError message",
                "gettext msgid",
                "flash message",
                "flash message",
                "DomainError message",
            ],
        ),
        (GOOD, []),
    ],
    ids=["untranslated", "translated"],
)
def test_the_check_tells_untranslated_words_from_translated_ones(code, expected):
    path = ROOT / "forms" / "example_for_the_check.py"  # never written: parsed from memory
    found = findings_in({path: (code, ast.parse(code))})
    assert sorted(what for _where, what, _text in found) == sorted(expected)
