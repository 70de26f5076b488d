"""The one transaction edge of a web request: a write answered below 400 commits, anything else rolls back.

Views and API handlers never commit: services flush, and this edge (installed as the app's
`dispatch_request`) decides once for every route, so a new view cannot forget. Workers and CLI
commands are their own edge and commit themselves.
"""
from __future__ import annotations

from flask import Flask, request

from coalition.extensions import db

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def safe_rollback() -> None:
    """Roll back, even when the connection is gone (the answer to the person matters more)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection cannot roll back; drop it
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001
            pass


class TransactionalFlask(Flask):
    """Flask whose every view runs inside the request's unit of work."""

    def dispatch_request(self):
        if request.method not in WRITE_METHODS:
            return super().dispatch_request()
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            safe_rollback()
            raise
        if response.status_code < 400:
            # A failure here (a constraint, the database gone) reaches errors.py like any other.
            db.session.commit()
        else:
            safe_rollback()
        return response
