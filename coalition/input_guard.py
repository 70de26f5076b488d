"""Refuse text no database can store before any view sees it.

PostgreSQL rejects NUL characters and every driver rejects lone UTF-16 surrogates; either would
otherwise surface as a server error deep inside a save. Deeply nested JSON would exhaust the
parser's recursion. All three get a plain 400 instead.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest, NotFound

MAX_JSON_DEPTH = 32


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(value, depth: int = 0) -> bool:
    if depth > MAX_JSON_DEPTH:
        return False
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return all(_check(k, depth + 1) and _check(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_check(v, depth + 1) for v in value)
    return True


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_unstorable_input():
        # No record is named by text a database cannot hold: /consultations/%00 is simply not found.
        if any(isinstance(v, str) and not storable(v) for v in (request.view_args or {}).values()):
            raise NotFound()
        values = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
        if not all(storable(k) and storable(v) for k, v in values):
            raise BadRequest("Text must not contain NUL characters or invalid Unicode.")
        if request.is_json and request.content_length:
            try:
                body = request.get_json()
            except RecursionError:
                raise BadRequest("The JSON body is nested too deeply.") from None
            except (BadRequest, ValueError):
                # Malformed JSON, or a number too long to convert.
                raise BadRequest("Invalid JSON body.") from None
            if not _check(body):
                raise BadRequest("Text must not contain NUL characters or invalid Unicode, "
                                 "and JSON may nest at most 32 levels.")
        return None
