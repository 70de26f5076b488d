"""Prometheus metrics at /metrics, for the monitoring system only (a bearer token, METRICS_TOKEN).

Per request: a counter by method, endpoint and status, and a latency histogram by endpoint.
At each scrape, read fresh: the outbox's messages by status (from the database) and the task
failures the workers counted (in Redis, so every worker's count is seen whichever process is
scraped). With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder so the
request metrics of all of them are added up (prometheus_client's multiprocess mode).
"""
from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from coalition.web import is_warm_up_request

REQUESTS = Counter("coalition_http_requests", "HTTP requests answered", ["method", "endpoint", "status"])
LATENCY = Histogram("coalition_http_request_duration_seconds", "Time to answer an HTTP request", ["endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
FAILURES_KEY = "coalition:metrics:task_failures"


class StateCollector:
    """Figures read when scraped: the outbox by status and the workers' task failures."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        outbox = GaugeMetricFamily("coalition_outbox_messages", "Outbox messages by status", labels=["status"])
        failures = CounterMetricFamily("coalition_task_failures", "Celery tasks that raised", labels=["task"])
        with self.app.app_context():
            from coalition.notifications.services import counts

            try:
                for status, n in counts().items():
                    outbox.add_metric([status], n)
            except Exception:  # noqa: BLE001 - a scrape must answer even with the database down
                from coalition.extensions import db

                db.session.rollback()
            for task, n in _failure_counts(self.app).items():
                failures.add_metric([task], n)
        yield outbox
        yield failures


def _redis(app: Flask):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _failure_counts(app: Flask) -> dict[str, int]:
    client = _redis(app)
    if client is None:
        return {}
    import redis

    try:
        return {k.decode(): int(v) for k, v in client.hgetall(FAILURES_KEY).items()}
    except redis.RedisError:
        return {}


def count_task_failure(sender=None, **_kwargs) -> None:
    """task_failure (in the worker): add one to the task's count in Redis."""
    from flask import current_app as app

    try:
        client = _redis(app)
    except RuntimeError:  # no app context
        return
    if client is not None:
        import redis

        try:
            client.hincrby(FAILURES_KEY, getattr(sender, "name", "unknown"), 1)
        except redis.RedisError:
            pass


def init_celery() -> None:
    from celery.signals import task_failure

    task_failure.connect(count_task_failure, weak=False, dispatch_uid="coalition-task-failures")


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    state = CollectorRegistry()
    state.register(StateCollector(app))

    @app.before_request
    def start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def record(response):
        started = getattr(g, "metrics_started", None)
        # The master's own warm-up requests (coalition.wsgi.warm_up) are nobody's traffic.
        if started is not None and request.endpoint != "metrics" and not is_warm_up_request():
            endpoint = request.endpoint or "unmatched"
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        token = current_app.config.get("METRICS_TOKEN")
        given = request.headers.get("Authorization", "")
        if not token:
            abort(404)  # not exposed at all unless an operator set a token
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(404)  # the same answer as "not exposed": nothing to learn from probing
        body = generate_latest(registry) + generate_latest(state)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
