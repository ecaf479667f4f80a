"""Translation benchmark: the cost of one gettext call in a German request, Flask-Babel's own
path (``before``) against ours (``core.i18n``: the catalogue cached per locale, ``after``),
both as ratios to a plain dict lookup of the same message measured in the same run.

    .venv/bin/python bench/i18n.py [--calls 200000]

Also renders a template of 55 ``_()`` calls (about what the event page makes) both ways.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_babel  # noqa: E402
import jinja2.ext  # noqa: E402
from flask_babel import Domain, get_translations  # noqa: E402

from app import create_app  # noqa: E402
from core import i18n  # noqa: E402

MESSAGE = "Your RSVP"
TEMPLATE = "".join(f"{{{{ _({MESSAGE!r}) }}}} {n}\n" for n in range(55))


def per_call(function, calls: int) -> float:
    """Microseconds per call, best of three."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            function(MESSAGE)
        best = min(best, time.perf_counter() - start)
    return best / calls * 1e6


def stock_jinja_callables(app) -> None:
    """What Flask-Babel's ``init_app`` installs: a full lookup per call."""
    stock = Domain()
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: stock.get_translations().ugettext(s),
        ngettext=lambda s, p, n: stock.get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = jinja2.ext._gettext_alias


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp())
    app = create_app(
        {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{instance}/bench.db", "TESTING": True}
    )
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        catalogue = dict(get_translations()._catalog)
        assert i18n.gettext(MESSAGE) == catalogue[MESSAGE] != MESSAGE
        stock = Domain()  # Flask-Babel's own, resolving locale and catalogue each call
        results = {
            "dict lookup (baseline)": per_call(catalogue.get, args.calls),
            "before: Flask-Babel Domain.gettext": per_call(stock.gettext, args.calls),
            "after: flask_babel.gettext (cached domain)": per_call(flask_babel.gettext, args.calls),
            "after: core.i18n.gettext": per_call(i18n.gettext, args.calls),
        }
        template = app.jinja_env.from_string(TEMPLATE)
        renders = max(1, args.calls // 200)
        after = per_call(lambda _: template.render(), renders)
        stock_jinja_callables(app)
        before = per_call(lambda _: template.render(), renders)
        assert catalogue[MESSAGE] in template.render()
    base = results["dict lookup (baseline)"]
    for name, micros in results.items():
        print(f"{name:45} {micros:7.3f} µs/call  {micros / base:6.1f}× dict")
    print(f"template of 55 _() calls, before: {before:7.1f} µs/render")
    print(
        f"template of 55 _() calls, after:  {after:7.1f} µs/render ({before / after:.1f}× faster)"
    )


if __name__ == "__main__":
    main()
