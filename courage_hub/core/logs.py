"""Logging that never writes link tokens, passwords or session cookies."""

from __future__ import annotations

import logging
import re

from flask import Flask

# Path segments that carry single-use tokens, and query or form fields that carry secrets.
_PATTERNS = [
    (re.compile(r"(/(?:passwort/neu|einladung|bestaetigen|konto/bestaetigen)/)[^\s/?\"']+"), r"\1[entfernt]"),
    (re.compile(r"((?:password|passwort|token|csrf_token|session)=)[^&\s\"']+", re.IGNORECASE), r"\1[entfernt]"),
    (re.compile(r"(courage_hub_session=)[^;\s\"']+"), r"\1[entfernt]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _install_record_factory() -> None:
    """Redact every log record of the process when it is created, whichever logger or handler gets it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "courage_hub_redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for the handler to report
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return record

    factory.courage_hub_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def init_app(app: Flask) -> None:
    _install_record_factory()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
