"""The one transaction edge of a web request: a write answered below 400 commits, anything else rolls back.

Views and API handlers never commit: services flush, and this edge (installed as the app's
`dispatch_request`) decides once for every route, so a new view cannot forget. Workers and CLI
commands are their own edge and commit themselves.

The edge also keeps retries safe (`coalition.idempotency`): an API POST's Idempotency-Key or a
form's one-time token is stored in the same transaction as the write, and a second request with it
gets the first answer instead of writing again. And it survives a database that goes away: a
rollback or a session close on a dead connection throws the connection away instead of raising, and
an error handler that trips over the dead database still answers 503 (`errors.unavailable_response`).
"""
from __future__ import annotations

import contextlib

from flask import Flask, Response, request

from coalition import idempotency
from coalition.extensions import db

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def safe_rollback() -> None:
    """Roll back, even when the connection is gone (the answer to the person matters more)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection cannot roll back; drop it
        release_session()


def release_session() -> None:
    """End the request's session without raising: a connection that cannot even roll back is discarded.

    The pool's pre-ping then replaces it, so the app recovers by itself when the database is back.
    """
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - e.g. psycopg's AdminShutdown from the ROLLBACK of a killed backend
        with contextlib.suppress(Exception):
            db.session.invalidate()
        with contextlib.suppress(Exception):
            db.session.registry.clear()


class TransactionalFlask(Flask):
    """Flask whose every view runs inside the request's unit of work."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registered first, so it runs after every other after_request hook, on the final page.
        self.after_request(idempotency.stamp_forms)

    def dispatch_request(self):
        if request.method not in WRITE_METHODS:
            return super().dispatch_request()
        try:
            claim = idempotency.claim()
            if isinstance(claim, Response):
                safe_rollback()  # a stored answer: nothing runs, nothing is written
                return claim
            response = self.make_response(super().dispatch_request())
        except BaseException:
            safe_rollback()
            raise
        if response.status_code >= 400:
            safe_rollback()
            return response
        if claim is not None:
            try:
                idempotency.remember(claim, response)
            except idempotency.AlreadyDone:
                # A twin request with the same key committed first: undo ours, give its answer.
                safe_rollback()
                return idempotency.answer_again(claim)
            except BaseException:
                safe_rollback()
                raise
        # A failure here (a constraint, the database gone) reaches errors.py like any other.
        db.session.commit()
        return response

    def handle_user_exception(self, e):
        try:
            return super().handle_user_exception(e)
        except Exception as inner:  # noqa: BLE001 - re-raised unless it is the dead database
            return self._unavailable_or_raise(inner, e)

    def handle_exception(self, e):
        from coalition.errors import database_unavailable, unavailable_response

        if database_unavailable(e):
            # An error handler itself met the dead database (an expired user reloading): still a 503.
            return self.finalize_request(unavailable_response(e), from_error_handler=True)
        return super().handle_exception(e)

    def _unavailable_or_raise(self, inner: Exception, original: BaseException):
        from coalition.errors import database_unavailable, unavailable_response

        if database_unavailable(inner) or database_unavailable(original):
            return unavailable_response(inner)
        raise inner

    def do_teardown_appcontext(self, *args, **kwargs):
        # Before Flask-SQLAlchemy's own `session.remove()`, which would raise on a dead connection.
        release_session()
        return super().do_teardown_appcontext(*args, **kwargs)
