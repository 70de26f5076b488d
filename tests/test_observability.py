"""Request ids that follow a request into its tasks, JSON logs, the proxy's headers, metrics."""
from __future__ import annotations

import json
import logging
import os
from types import SimpleNamespace

import pytest

from coalition import create_app, observability


def test_every_response_carries_a_request_id_and_a_sane_given_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-Id"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "proxy-abc-12345"}).headers["X-Request-Id"] == \
        "proxy-abc-12345"
    forged = client.get("/healthz", headers={"X-Request-Id": "<script> or; spaces"}).headers["X-Request-Id"]
    assert forged != "<script> or; spaces" and len(forged) == 32


def test_the_request_id_goes_into_task_headers_and_back_while_the_task_runs():
    token = observability.REQUEST_ID.set("req-1234567890")
    try:
        headers: dict = {}
        observability.add_request_id(headers=headers)
        assert headers == {"request_id": "req-1234567890"}
    finally:
        observability.REQUEST_ID.reset(token)
    observability.restore_request_id(task=SimpleNamespace(request=SimpleNamespace(request_id="req-1234567890")))
    assert observability.current_request_id() == "req-1234567890"
    observability.forget_request_id()
    assert observability.current_request_id() is None


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("coalition", logging.INFO, __file__, 1, "saved %s", ("x",), None)
    token = observability.REQUEST_ID.set("req-abcdefgh")
    try:
        line = json.loads(observability.JsonFormatter().format(record))
    finally:
        observability.REQUEST_ID.reset(token)
    assert line["message"] == "saved x" and line["request_id"] == "req-abcdefgh" and line["level"] == "INFO"


def test_proxy_headers_are_trusted_only_when_configured(tmp_path):
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p{proxies}.db",
                                     "TRUSTED_PROXIES": proxies})
        seen = {}

        @app.get("/_whoami")
        def whoami():
            from flask import request

            seen.update(addr=request.remote_addr, scheme=request.scheme)
            return ""

        app.test_client().get("/_whoami", headers=headers)
        assert seen["addr"] == expected
        assert seen["scheme"] == ("https" if proxies else "http")


# Readiness (/readyz) is tested in tests/test_healthz.py, beside the health check.


def test_metrics_are_only_for_the_holder_of_the_token(app, client):
    assert client.get("/metrics").status_code == 404  # not exposed without a token configured
    app.config["METRICS_TOKEN"] = "scrape-token-1234567890"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-1234567890"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert 'coalition_http_requests_total{endpoint="home.healthz",method="GET",status="200"}' in text
    assert "coalition_http_request_duration_seconds_bucket" in text
    assert 'coalition_outbox_messages{status="queued"} 0.0' in text


def test_the_outbox_depth_is_read_at_each_scrape(app, client):
    from coalition.extensions import db
    from coalition.notifications import services

    app.config["METRICS_TOKEN"] = "scrape-token-1234567890"
    services.enqueue(kind="reminder", recipient="a@example.org", subject="s", text_body="t", dedupe_key="m1")
    db.session.commit()
    text = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-1234567890"}).get_data(as_text=True)
    assert 'coalition_outbox_messages{status="queued"} 1.0' in text


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_task_failures_counted_by_workers_show_in_the_metrics(app, client):
    import redis

    from coalition import metrics

    app.config.update(METRICS_TOKEN="scrape-token-1234567890", REDIS_URL=os.environ["TEST_REDIS_URL"])
    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).delete(metrics.FAILURES_KEY)
    for _ in range(2):
        metrics.count_task_failure(sender=SimpleNamespace(name="workers.tasks.send_batch"))
    text = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-1234567890"}).get_data(as_text=True)
    assert 'coalition_task_failures_total{task="workers.tasks.send_batch"} 2.0' in text
