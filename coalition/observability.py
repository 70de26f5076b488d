"""What operators see: a request id on every request (kept in the tasks it enqueues), structured
JSON logs, a reverse proxy's headers trusted only when configured.

A request id comes from the proxy's `X-Request-Id` when it is a sane token, or is made here; it is
sent back in the response, written in every log line of the request, and carried as a Celery
message header into the tasks the request enqueues, whose log lines carry it too.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,100}$")


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """JSON lines to stderr (production), or the usual text; called once per process."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Only as many hops as there really are proxies: more would let a client forge its address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    if app.config.get("LOG_FORMAT") and not app.testing:
        configure_logging(app.config["LOG_FORMAT"], app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def assign_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SANE.match(given) else uuid.uuid4().hex
        REQUEST_ID.set(g.request_id)

    @app.after_request
    def echo_request_id(response):
        if getattr(g, "request_id", None):
            response.headers[HEADER] = g.request_id
        return response


def add_request_id(headers=None, **_kwargs) -> None:
    """before_task_publish: the enqueuing request's id goes along as a message header."""
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


def restore_request_id(task=None, **_kwargs) -> None:
    """task_prerun: the header is back in the context, so the task's log lines carry it."""
    request = getattr(task, "request", None)
    # Custom message headers land on the request itself, or under .headers, depending on the protocol.
    request_id = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    REQUEST_ID.set(request_id if isinstance(request_id, str) and _SANE.match(request_id) else None)


def forget_request_id(**_kwargs) -> None:
    REQUEST_ID.set(None)


def init_celery(celery, log_format: str | None = None, level: str = "INFO") -> None:
    """Connect the handlers once per process (dispatch_uid), whatever the number of apps built."""
    from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

    before_task_publish.connect(add_request_id, weak=False, dispatch_uid="coalition-request-id-out")
    task_prerun.connect(restore_request_id, weak=False, dispatch_uid="coalition-request-id-in")
    task_postrun.connect(forget_request_id, weak=False, dispatch_uid="coalition-request-id-done")
    if log_format == "json":
        # With a receiver on setup_logging, Celery leaves logging to us: workers log JSON lines too.
        setup_logging.connect(lambda **_kw: configure_logging("json", level), weak=False,
                              dispatch_uid="coalition-logging")
