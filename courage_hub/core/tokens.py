"""Single-use link tokens: the raw value goes into the mail, only its SHA-256 hash into the database."""

from __future__ import annotations

import hashlib
import secrets


def new_link_token() -> tuple[str, str]:
    """A fresh random token and the hash to store for it."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
