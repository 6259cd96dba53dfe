"""The printable sign-in sheet of an event (PDF, tagged like the annual report): per confirmed school its adults'
names, the number of pupils and an empty column for the signature; a few empty rows for groups that come
unannounced. Pupils are counted, never named."""

from __future__ import annotations

from flask_babel import gettext as _

from ..coordination.pdf import ReportPDF
from .participants import ParticipantList, adult_names, event_when

EMPTY_ROWS = 3
SIGNATURE_ROW_HEIGHT = 14  # mm: room to sign by hand
HEADER_SHARES = (29, 28, 17, 26)  # parts of the page width: school, adults, pupils, signature


def sign_in_sheet(participants: ParticipantList) -> bytes:
    """The sign-in sheet of ``participants.event`` as PDF bytes."""
    event = participants.event
    title = _("Sign-in sheet")
    pdf = ReportPDF(title)
    pdf.set_lang("de")
    pdf.set_title(f"{title} – {event.title}")
    pdf.set_author(event.contact_name or "Courage Hub")
    pdf.set_subject("Schule ohne Rassismus – Schule mit Courage")
    pdf.set_creator("Courage Hub")
    pdf.add_page()
    pdf.heading(f"{title}: {event.title}")
    place = ", ".join(part for part in (event.place_name, " ".join(event.address.split())) if part)
    pdf.paragraph(event_when(event))
    if place:
        pdf.paragraph(place)
    pdf.paragraph(
        _(
            "%(schools)d schools registered, %(pupils)d pupils and %(adults)d adults.",
            schools=len(participants.confirmed),
            pupils=participants.pupils,
            adults=participants.adults,
        )
    )
    pdf.ln(2)
    rows: list[list[object]] = [
        [r.school.name, "\n".join(adult_names(r)) or "", r.pupils, ""] for r in participants.confirmed
    ]
    rows += [["", "", "", ""] for _row in range(EMPTY_ROWS)]
    pdf.table(
        [_("School"), _("Accompanying adults"), _("Pupils"), _("Signature")],
        rows,
        numeric_from=2,
        shares=HEADER_SHARES,
        row_height=SIGNATURE_ROW_HEIGHT,
        size=10,
    )
    return bytes(pdf.output())
