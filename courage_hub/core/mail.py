"""Mail through a transactional outbox: a mail is a row written with the change that causes it, delivered later.

``send_mail`` only writes an :class:`OutboxMail` row, inside the caller's write transaction (or one of its own), so a
registration, a password reset or an invitation succeeds for the person even while the mail relay is down, and a
change that rolls back sends nothing. Delivery (:func:`deliver_due`) hands due rows to the server: SMTP when
``MAIL_SERVER`` is set, otherwise ``.eml`` files in the outbox folder (development and tests).

- ``MAIL_DELIVERY=worker`` (production): ``flask --app courage_hub deliver-mail --loop`` delivers continuously
  (or one pass from cron). ``inline`` (development, tests): delivery runs right after the committing block.
- Failed attempts are retried with exponential back-off (1, 2, 4 … minutes, at most an hour); a server's permanent
  refusal (5xx), or a day of failures, ends in ``failed``, which the KI sees on its outbox page and can send again.
- Never twice: a row is claimed (``sending``) in its own commit before it goes to the server and marked ``sent``
  after. A worker killed in between leaves the row ``sending``; after ``LEASE`` it is set to ``failed`` with the
  note that delivery was interrupted, never sent again by itself. The ``.eml`` file and the Message-ID are keyed by
  the row, so even a repeated hand-over produces the same message.
- The body and attachment of a delivered mail are emptied (they may carry a sign-in or meeting link); ``cleanup``
  deletes delivered rows after ``OUTBOX_RETENTION``. Bodies are never logged.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from .db import after_commit, in_write_transaction, utcnow, write_transaction
from .models import OutboxMail, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = timedelta(hours=1)
INTERRUPTED = "interrupted"  # last_error of a row whose delivery was cut off between hand-over and marking
KEEP_PAGES = {"keeps_public_pages": True}  # outbox bookkeeping changes no public page


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str = "general",
    reply_to: str | None = None,
    region_id: int | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> None:
    """Queue a plain-text German mail; it commits with the caller's write transaction (or on its own).

    ``region_id`` names the region the mail concerns: that region's staff see it on their outbox page.
    ``attachment`` is one file as (file name, MIME type with its parameters, content), e.g.
    ``("termin.ics", "text/calendar; method=REQUEST", data)``.
    """
    row = OutboxMail(kind=kind, to_addr=to, subject=subject, body=body, reply_to=reply_to, region_id=region_id)
    if attachment is not None:
        row.attachment_name, row.attachment_type, row.attachment = attachment
    if in_write_transaction():
        _queue(row)
        return
    with write_transaction():
        _queue(row)


def _queue(row: OutboxMail) -> None:
    db.session.add(row)
    if current_app.config.get("MAIL_DELIVERY") == "inline":
        after_commit(_deliver_inline)


def _deliver_inline() -> None:
    """Development and tests: deliver what is due right after the commit, never failing the request."""
    try:
        deliver_due()
    except Exception:
        db.session.rollback()
        log.exception("inline mail delivery failed; the mails stay in the outbox")


def sender_domain() -> str:
    address = parseaddr(current_app.config["MAIL_SENDER"])[1]
    return address.rpartition("@")[2] or "courage-hub.invalid"


def build_message(mail: OutboxMail) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = mail.to_addr
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    # Keyed by the outbox row: a message handed over twice is recognisably the same message.
    msg["Message-ID"] = f"<outbox-{mail.id}-{int(mail.created_at.timestamp())}@{sender_domain()}>"
    msg.set_content(mail.body)
    if mail.attachment is not None:
        _attach(
            msg, mail.attachment_name or "anhang", mail.attachment_type or "application/octet-stream", mail.attachment
        )
    return msg


def _attach(msg: EmailMessage, name: str, content_type: str, data: bytes) -> None:
    """Attach ``data`` as a file; parameters of ``content_type`` (``text/calendar; method=REQUEST``) are kept."""
    main, *parameters = (part.strip() for part in content_type.split(";"))
    maintype, _slash, subtype = main.partition("/")
    params = dict(part.partition("=")[::2] for part in parameters if "=" in part)
    msg.add_attachment(bytes(data), maintype=maintype, subtype=subtype or "octet-stream", filename=name, params=params)


def _hand_over(msg: EmailMessage, mail: OutboxMail) -> None:
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        return
    outbox = Path(cfg["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{mail.created_at.strftime('%Y%m%dT%H%M%S%f')}-{mail.id:08d}.eml"
    path.write_bytes(bytes(msg))


@dataclass
class DeliveryResult:
    """What one pass of the worker did (printed by ``deliver-mail``)."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """The pause before the next attempt after ``attempts`` failed ones: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(limit: int = 100) -> DeliveryResult:
    """One pass: give up interrupted deliveries, then hand every due mail to the server (oldest first)."""
    result = DeliveryResult()
    result.interrupted = _give_up_interrupted()
    due = db.session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    for mail_id in due:
        _deliver_one(mail_id, result)
    return result


def _give_up_interrupted() -> int:
    with write_transaction():
        changed = db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.status == OutboxStatus.SENDING, OutboxMail.claimed_at < utcnow() - LEASE)
            .values(status=OutboxStatus.FAILED, last_error=INTERRUPTED)
            .execution_options(**KEEP_PAGES)
        )
    return changed.rowcount or 0


def _claim(mail_id: int) -> bool:
    with write_transaction():
        claimed = db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=utcnow(), attempts=OutboxMail.attempts + 1)
            .execution_options(**KEEP_PAGES)
        )
    return claimed.rowcount == 1


def _deliver_one(mail_id: int, result: DeliveryResult) -> None:
    if not _claim(mail_id):
        return  # another worker took it
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    try:
        _hand_over(build_message(mail), mail)
    except (OSError, smtplib.SMTPException) as error:
        _record_failure(mail, error, result)
        return
    _mark_sent(mail_id)
    transport = "SMTP" if current_app.config.get("MAIL_SERVER") else "the outbox folder"
    log.info("mail %s (%s) delivered via %s", mail_id, mail.kind, transport)
    result.sent += 1


def _mark_sent(mail_id: int) -> None:
    with write_transaction():
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id)
            .values(status=OutboxStatus.SENT, sent_at=utcnow(), body="", attachment=None, last_error="")
            .execution_options(**KEEP_PAGES)
        )


def _record_failure(mail: OutboxMail, error: BaseException, result: DeliveryResult) -> None:
    permanent = isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
    permanent = permanent or isinstance(error, smtplib.SMTPRecipientsRefused)
    given_up = permanent or utcnow() - mail.created_at >= GIVE_UP_AFTER
    message = f"{type(error).__name__}: {error}"[:500]
    with write_transaction():
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id)
            .values(
                status=OutboxStatus.FAILED if given_up else OutboxStatus.PENDING,
                next_attempt_at=utcnow() + backoff(mail.attempts),
                last_error=message,
            )
            .execution_options(**KEEP_PAGES)
        )
    # The address and body stay out of the log; the row id finds them for those allowed to see them.
    log.warning("mail %s not delivered (attempt %s): %s", mail.id, mail.attempts, type(error).__name__)
    if given_up:
        result.failed += 1
    else:
        result.retry += 1
    result.errors.append(message)


def send_again(mail: OutboxMail) -> None:
    """Queue a failed mail once more (the KI checked the address, or the relay is back)."""
    with write_transaction():
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id, OutboxMail.status == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow(), attempts=0, created_at=utcnow())
            .execution_options(**KEEP_PAGES)
        )
        if current_app.config.get("MAIL_DELIVERY") == "inline":
            after_commit(_deliver_inline)


def undelivered(*conditions: Any, limit: int = 200) -> list[OutboxMail]:
    """Failed mails and mails still waiting after a failed attempt, newest first (the KI's outbox page), narrowed
    by ``conditions`` (the caller's region scope on ``OutboxMail.region_id``)."""
    return list(
        db.session.scalars(
            select(OutboxMail)
            .where(
                (OutboxMail.status == OutboxStatus.FAILED)
                | ((OutboxMail.status == OutboxStatus.PENDING) & (OutboxMail.attempts > 0)),
                *conditions,
            )
            .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Backlog:
    """Mails not yet delivered, for the health check: how many, and how long the oldest has waited."""

    waiting: int
    oldest_seconds: int
    failed: int


def backlog() -> Backlog:
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMail.created_at)).where(
            OutboxMail.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))
        )
    ).one()
    failed = db.session.scalar(select(func.count()).where(OutboxMail.status == OutboxStatus.FAILED))
    age = int((utcnow() - oldest).total_seconds()) if oldest else 0
    return Backlog(waiting=waiting or 0, oldest_seconds=max(age, 0), failed=failed or 0)


def outbox_messages() -> list[Path]:
    """The outbox files, oldest first (development and tests)."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []
