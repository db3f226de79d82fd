"""The printed papers of a case (R9, 一网通办): the receipt of acceptance (受理回执) and the one-time notice
of missing materials (一次性补正告知书), as PDF.

Both are official papers handed to a resident, so they are always in Chinese, whatever the reader's page
language. Chinese text uses the Adobe-GB1 CID font every PDF reader has (STSong-Light): no font file
ships with the project and nothing is embedded. These functions only draw: who may print is checked by
``casework.printing`` (staff) and by the portal (the applicant).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from .models import Case, LimitUnitChoice, MaterialRequest

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=4 * mm),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", parent=body, fontSize=10.5, leading=15),
    }


def _esc(text: object) -> str:
    """Paragraph text is a little markup language: escape what a value could bring in."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日") if moment else "—"


def _snapshot(case: Case) -> dict[str, Any]:
    return case.item_version.snapshot if case.item_version is not None else {}


def item_name(case: Case) -> str:
    return str(_snapshot(case).get("name") or (case.item.name if case.item is not None else case.kind))


def material_names(case: Case) -> dict[str, str]:
    """Codes of the item version's materials and file fields, with their names."""
    snapshot = _snapshot(case)
    names = {m["code"]: m["name"] for m in snapshot.get("materials", [])}
    for field in snapshot.get("form", []):
        if field.get("type") == "file":
            names.setdefault(field["name"], field["label"])
    return names


def _facts(rows: Iterable[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(_esc(k), styles["cell"]), Paragraph(_esc(v), styles["cell"])] for k, v in rows]
    table = Table(data, colWidths=[38 * mm, 132 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _render(title: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author="Shequ",
        # No personal data in the document's metadata (a file manager shows it).
        subject="",
        creator="Shequ",
    )
    doc.build(story)
    return buffer.getvalue()


def _limit_text(case: Case) -> str:
    unit = LimitUnitChoice(case.time_limit_unit)
    if unit == LimitUnitChoice.WORKING_DAYS:
        return _(
            "The time limit is %(n)d working days from the day the application was received; public holidays "
            "and weekends are not counted (make-up working days are), and the time the applicant takes to "
            "supply missing materials is not counted either."
        ) % {"n": case.time_limit}
    return _(
        "The time limit is %(n)d %(unit)s from the moment the application was received; the time the "
        "applicant takes to supply missing materials is not counted."
    ) % {"n": case.time_limit, "unit": unit.label}


def _received_materials(case: Case) -> list[str]:
    names = material_names(case)
    given: dict[str, int] = {}
    for attachment in case.attachments.all():
        if attachment.material and attachment.material != "visit_photo":
            given[attachment.material] = given.get(attachment.material, 0) + 1
    return [f"{names.get(code, code)}（{n}）" for code, n in given.items()]


def receipt_pdf(case: Case) -> bytes:
    """The receipt of acceptance (受理回执) of an accepted case."""
    with translation.override("zh-hans"):
        styles = _styles()
        accepted = case.events.filter(action="accept").order_by("at").first()
        department = str(_snapshot(case).get("department") or (case.item.department if case.item else ""))
        received = _received_materials(case)
        rows = [
            (_("Case number"), case.number),
            (_("Service item"), item_name(case)),
            (_("Applicant"), case.applicant.name if case.applicant is not None else "—"),
            (_("Received on"), _date(case.submitted_at)),
            (_("Accepted on"), _date(accepted.at if accepted else None)),
            (_("Due by"), _date(case.deadline_at) + (_("(not yet certain)") if case.deadline_uncertain else "")),
            (_("Department"), department or "—"),
            (_("Materials received"), "；".join(received) if received else _("none")),
        ]
        title = _("Receipt of acceptance")
        story: list[Flowable] = [
            Paragraph(_esc(title), styles["title"]),
            _facts(rows, styles),
            Spacer(1, 6 * mm),
            Paragraph(_esc(_limit_text(case)), styles["body"]),
            Spacer(1, 3 * mm),
            Paragraph(
                _esc(
                    _(
                        "Keep this receipt. You can follow the case with its number on the resident portal or at "
                        "the community service centre."
                    )
                ),
                styles["small"],
            ),
            Spacer(1, 12 * mm),
            Paragraph(_esc(_("Issued on %(date)s") % {"date": _date(timezone.now())}), styles["body"]),
        ]
        return _render(title, story)


def last_material_request(case: Case) -> MaterialRequest | None:
    """The open request for materials, else the latest one."""
    requests = case.material_requests.order_by("-requested_at", "-id")
    return requests.filter(answered_at__isnull=True).first() or requests.first()


def materials_notice_pdf(case: Case) -> bytes:
    """The one-time notice of missing materials (一次性补正告知书): every material of the open (or last)
    request at once, with the note, the date and how to supply them. Raises LookupError when the case
    was never asked for materials."""
    request = last_material_request(case)
    if request is None:
        raise LookupError("no request for materials")
    with translation.override("zh-hans"):
        styles = _styles()
        title = _("One-time notice of missing materials")
        applicant = case.applicant.name if case.applicant is not None else ""
        story: list[Flowable] = [
            Paragraph(_esc(title), styles["title"]),
            Paragraph(_esc(_("Dear %(name)s:") % {"name": applicant or _("applicant")}), styles["body"]),
            Spacer(1, 2 * mm),
            Paragraph(
                _esc(
                    _(
                        "Your application %(number)s (%(item)s), received on %(date)s, needs the materials below "
                        "before it can go on. This notice lists everything that is missing, at once."
                    )
                    % {"number": case.number, "item": item_name(case), "date": _date(case.submitted_at)}
                ),
                styles["body"],
            ),
            Spacer(1, 4 * mm),
        ]
        rows = [[Paragraph(_esc(_("No.")), styles["cell"]), Paragraph(_esc(_("Missing material")), styles["cell"])]]
        for n, material in enumerate(request.materials, start=1):
            rows.append([Paragraph(str(n), styles["cell"]), Paragraph(_esc(material.get("name", "")), styles["cell"])])
        table = Table(rows, colWidths=[16 * mm, 154 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
        if request.note:
            story += [Spacer(1, 4 * mm), Paragraph(_esc(_("Note: %(note)s") % {"note": request.note}), styles["body"])]
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                _esc(
                    _(
                        "How to supply them: upload them on the resident portal under this case, or bring them to "
                        "the community service centre. The time limit stands still until they are supplied."
                    )
                ),
                styles["body"],
            ),
            Spacer(1, 12 * mm),
            Paragraph(_esc(_("Notified on %(date)s") % {"date": _date(request.requested_at)}), styles["body"]),
            Paragraph(_esc(_("Case number: %(number)s") % {"number": case.number}), styles["small"]),
        ]
        return _render(title, story)
