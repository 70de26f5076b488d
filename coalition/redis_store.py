"""The one way the app reaches Redis for its own data: a shared client per purpose, and signed values.

Nothing read back from Redis is trusted as code or as truth: values are plain JSON bytes sealed with
an HMAC under a key derived from SECRET_KEY and the purpose, and bound to the Redis key they were
written under, so a planted, altered or moved entry is refused (and the caller falls back to the
database or recomputes).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def client(purpose: str, timeout: float = 1.0):
    """This app's Redis client for `purpose` (kept for the app's life), or None without REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    name = f"redis_{purpose}"
    found = current_app.extensions.get(name)
    if found is None or found[0] != url:  # a changed setting (tests change it) gets a new client
        import redis

        found = (url, redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout))
        current_app.extensions[name] = found
    return found[1]


def _signature(purpose: str, key: str, payload: bytes) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    signing_key = hmac.new(secret, f"coalition.{purpose}".encode(), hashlib.sha256).digest()
    # The key is signed too: a valid entry copied under another key is refused.
    return hmac.new(signing_key, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def seal(purpose: str, key: str, payload: bytes) -> bytes:
    """`payload` signed for storing under `key`."""
    return _signature(purpose, key, payload) + b"." + payload


def unseal(purpose: str, key: str, stored: bytes) -> bytes | None:
    """The payload sealed under `key` by this application, or None for anything else."""
    signature, dot, payload = stored.partition(b".")
    if not dot or not hmac.compare_digest(signature, _signature(purpose, key, payload)):
        return None
    return payload
