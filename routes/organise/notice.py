"""The notice to the authorities (Versammlungsanzeige): its organiser-only details, the
printable sheet in German or English, and that sheet as a PDF.

Nothing here submits anything: the organiser prints the sheet or downloads the PDF and sends
it to the authorities themselves.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_required

from core.extensions import db
from forms.notice import NoticeForm
from models import Event, utcnow
from routes.access import require_organiser
from routes.organise.common import bp, page, save
from services.events import notice as notices
from services.route import kind_labels

# The languages the authorities read the sheet in: German, and English for those who help.
SHEET_LANGUAGES = ("de", "en")


@bp.route("/events/<int:event_id>/notice", methods=["GET", "POST"])
@login_required
def notice(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = NoticeForm(data=asdict(notices.details_of(db.session, event)))
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: notices.save_details(db.session, event, form.details(), utcnow()),
            _("Notice details saved. Print the notice and send it to the authorities."),
            lambda _result: redirect(url_for("organise.notice", event_id=event.id)),
        )
    ):
        return done
    return page("organise/notice.html", form=form, event=event)


def _sheet(event: Event, language: str, *, for_pdf: bool = False) -> str:
    if language not in SHEET_LANGUAGES:
        abort(404)
    with force_locale(language):
        details = notices.details_of(db.session, event)
        sheet = notices.notice_sheet(event, details, kind_labels())
        return render_template(
            "organise/notice_sheet.html",
            event=event,
            language=language,
            for_pdf=for_pdf,
            **sheet,
        )


@bp.get("/events/<int:event_id>/notice/<language>")
@login_required
def notice_sheet(event_id: int, language: str):
    """The sheet as a page to print (A4, print stylesheet)."""
    return _sheet(require_organiser(event_id), language)


@bp.get("/events/<int:event_id>/notice/<language>/pdf")
@login_required
def notice_pdf(event_id: int, language: str):
    """The sheet as a PDF, made by WeasyPrint from the same HTML. It fetches nothing: the
    stylesheet is handed over as text and the route picture is inline SVG."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    event = require_organiser(event_id)
    html = _sheet(event, language, for_pdf=True)
    css = Path(current_app.static_folder or "static", "css", "print.css").read_text("utf-8")
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf(
        stylesheets=[CSS(string=css)]
    )
    response = Response(pdf, mimetype="application/pdf")
    name = "versammlungsanzeige" if language == "de" else "notice-of-assembly"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{event.id}.pdf"'
    return response
