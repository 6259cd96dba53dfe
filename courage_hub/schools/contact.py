""" "Kontakt zur Koordination": a coordinator writes to the KI; the message is mailed and kept on the timeline."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from ..auth.models import User
from ..core.db import write_transaction
from ..core.links import external_url
from ..core.mail import send_mail
from ..core.ratelimit import RateLimited, hashed_key, limiter
from ..extensions import db
from ..regions.services import contact_addresses
from .models import EventKind, School, SchoolEvent

MESSAGES_PER_ACCOUNT_PER_HOUR = 10


def contact_coordination(school: School, user: User, subject: str, message: str) -> None:
    """Mail the KI the coordinator's message (replies go to the coordinator) and keep a copy on the timeline.

    At most ``MESSAGES_PER_ACCOUNT_PER_HOUR`` messages per account: raises :class:`RateLimited` beyond.
    """
    wait = limiter().hit_if_allowed(
        hashed_key("contact-coordination", str(user.id)), MESSAGES_PER_ACCOUNT_PER_HOUR, 3600
    )
    if wait:
        raise RateLimited(wait)
    subject, message = " ".join(subject.split()), message.replace("\r\n", "\n").strip()
    body = render_template(
        "schools/mail/contact_coordination.txt",
        school=school,
        user=user,
        subject=subject,
        message=message,
        link=external_url("coordination.school", school_id=school.id),
    )
    mail_subject = _("Courage Hub: message from %(school)s: %(subject)s", school=school.name, subject=subject)
    with write_transaction():
        for address in contact_addresses(school.region_id):
            send_mail(address, mail_subject, body, kind="contact_ki", reply_to=user.email, region_id=school.region_id)
        db.session.add(
            SchoolEvent(
                school_id=school.id,
                kind=EventKind.MESSAGE,
                user_id=user.id,
                internal=True,
                note=_("Message to the coordination: %(subject)s", subject=subject) + "\n\n" + message,
            )
        )
