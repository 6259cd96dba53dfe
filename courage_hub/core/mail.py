"""One mail service: SMTP when configured, otherwise .eml files in the outbox folder."""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="courage-hub.invalid")
    msg.set_content(body)
    return msg


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text German mail; the body (which may hold a link token) is never logged."""
    msg = build_message(to, subject, body)
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        log.info("mail sent via SMTP: subject=%r", subject)
    else:
        outbox = Path(cfg["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(msg))
        log.info("mail written to outbox: %s (subject=%r)", path, subject)
    return msg


def outbox_messages() -> list[Path]:
    """The outbox files, oldest first (development and tests)."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []
