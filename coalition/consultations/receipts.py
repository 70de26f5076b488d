"""Receipt codes, and the fingerprints the abuse limits compare.

A receipt code is shown once to the person who contributed (and e-mailed if they gave an address); the
database keeps only its SHA-256, so nobody reading the database can open someone's receipt page. The
address a contribution came from and its text are kept only as keyed hashes, for the duplicate check.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from flask import current_app

from coalition.consultations.models import RECEIPT_CODE_LENGTH

# No 0/O, 1/I/L: a code read aloud or copied from paper is unambiguous.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """A fresh receipt code, e.g. "K7QX-M2PA-9WRT" (about 59 bits of randomness)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, RECEIPT_CODE_LENGTH, 4))


def normalise_code(code: str) -> str | None:
    """The canonical form of a code as typed (any case, with or without dashes), or None if it cannot be one."""
    if not isinstance(code, str) or len(code) > 3 * RECEIPT_CODE_LENGTH:
        return None
    raw = "".join(ch for ch in code.upper() if ch not in "- ")
    if len(raw) != RECEIPT_CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i:i + 4] for i in range(0, RECEIPT_CODE_LENGTH, 4))


def code_hash(code: str) -> str:
    """What the database stores for a (normalised) receipt code."""
    return hashlib.sha256(code.encode()).hexdigest()


def _keyed(value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def source_hash(address: str | None) -> str | None:
    """A keyed fingerprint of the address a contribution came from (the address itself is never kept)."""
    return _keyed(f"source:{address}") if address else None


def text_hash(text: str) -> str:
    """A keyed fingerprint of a contribution's text, insensitive to case, accents and spacing."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _keyed("text:" + " ".join(plain.split()))
