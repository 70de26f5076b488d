"""A real Celery worker (a subprocess) on a real Redis, sending to a real SMTP server (aiosmtpd).

These are the faults the outbox exists for: a worker killed mid-send, Redis down when the event
happens, two schedulers running the same job. Each ends with every message delivered exactly once.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from coalition import create_app
from coalition.extensions import db
from coalition.notifications import services
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import IN_CI, csrf_token
from tests.notifications.test_services import Recorder, free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2

# A real worker, beat and Redis: what they do with the database is the outbox's, tested on both databases in
# tests/notifications; here once, on the production database when given.
pytestmark = [pytest.mark.skipif(not REDIS_URL and not IN_CI, reason="TEST_REDIS_URL is not set"),
              pytest.mark.strictest_database]


class SlowRecorder(Recorder):
    """When asked, holds the first delivery at RCPT until released, so a test can kill the sender mid-send."""

    def __init__(self):
        super().__init__()
        self.hold_first = False
        self.first_in_flight = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.hold_first:
            self.hold_first = False
            self.first_in_flight.set()
            for _ in range(400):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def wait_for(condition, seconds: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    """`celery -A workers.celery_app worker` in its own process group, on the test's database."""

    def __init__(self, database_url: str, smtp_port: int, instance: Path, log: Path):
        self.env = {
            **os.environ, "COALITION_ENV": "development", "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
            "SECRET_KEY": "testing-secret", "COALITION_INSTANCE": str(instance),
            "OUTBOX_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_FORMAT": "json",
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, celery) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool=prefork",
                 "--concurrency=2", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: celery.control.ping(timeout=0.5), 60, f"the worker to start (log: {self.log})")

    def kill(self) -> None:
        """SIGKILL, the whole process group: no chance to finish or acknowledge anything."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def smtp_server():
    recorder = SlowRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    recorder.release.set()
    controller.stop()


@pytest.fixture
def stack(app, tmp_path, smtp_server):
    """The test's database, an app that dispatches through real Redis, and a worker factory."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    recorder, port = smtp_server
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    web = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL, "OUTBOX_DISPATCH": True,
                                 "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "WTF_CSRF_ENABLED": True})
    workers: list[Worker] = []

    def new_worker() -> Worker:
        worker = Worker(url, port, tmp_path / "worker-instance", tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        worker.start(web.extensions["celery"])
        return worker

    db.session.commit()
    with web.app_context():
        yield web, recorder, new_worker
        db.session.remove()
        db.engine.dispose()
    for worker in workers:
        worker.stop()
    web.extensions["celery"].close()


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    rows = list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
    db.session.commit()  # end the read, so SQLite's writers are never kept waiting
    return rows


def request_password_reset(web, email: str, headers: dict | None = None):
    client = web.test_client()
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token}, headers=headers or {})


def test_a_committed_message_is_sent_by_the_worker_through_redis(stack):
    web, recorder, new_worker = stack
    person = factories.user(language="en", email="ana@example.org")
    db.session.commit()
    worker = new_worker()
    response = request_password_reset(web, person.email, headers={"X-Request-Id": "req-reset-0001"})
    assert response.status_code == 302 and response.headers["X-Request-Id"] == "req-reset-0001"
    wait_for(lambda: recorder.messages, what="the reset email")
    [received] = recorder.messages
    assert received["To"] == "ana@example.org"
    assert received["X-Coalition-Kind"] == "password-reset"
    assert "/password/reset/" in received.get_body(("plain",)).get_content()
    [row] = outbox_rows()
    assert row.status == "sent" and row.attempts == 1
    # The worker's JSON log lines for the task carry the id of the request that caused it.
    lines = [json.loads(line) for line in worker.log.read_text().splitlines() if line.startswith("{")]
    assert any(line["request_id"] == "req-reset-0001" and "outbox" in line["message"] for line in lines), lines[-5:]


def test_a_worker_killed_mid_send_loses_nothing_and_sends_once(stack):
    web, recorder, new_worker = stack
    first = new_worker()
    recorder.hold_first = True
    services.enqueue(kind="reminder", recipient="luis@example.org", subject="Recordatorio", text_body="Hola",
                     dedupe_key="reminder:killed")
    db.session.commit()  # dispatched to the worker, which connects and is held at RCPT
    assert recorder.first_in_flight.wait(30), "the worker never started sending"
    first.kill()
    recorder.release.set()
    [row] = outbox_rows()
    assert row.status == "queued"  # the claim is a lease, not a verdict
    new_worker()
    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claim runs out
    web.extensions["celery"].send_task("workers.tasks.sweep_outbox")
    wait_for(lambda: recorder.messages, what="the message, sent again by the new worker")
    time.sleep(1)  # any duplicate would arrive now
    assert [m["To"] for m in recorder.messages] == ["luis@example.org"]
    [row] = outbox_rows()
    assert row.status == "sent" and recorder.messages[0]["Message-ID"] == f"<outbox-{row.id}@127.0.0.1>"


def test_redis_down_when_the_event_happens_the_sweep_sends_it_later(stack, tmp_path):
    web, recorder, new_worker = stack
    person = factories.user(language="es", email="rosa@example.org")
    db.session.commit()
    down = create_app("testing", {"SQLALCHEMY_DATABASE_URI": web.config["SQLALCHEMY_DATABASE_URI"],
                                  "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "OUTBOX_DISPATCH": True,
                                  "WTF_CSRF_ENABLED": True})
    started = time.monotonic()
    with down.app_context():
        response = request_password_reset(down, person.email)
        db.engine.dispose()
    assert response.status_code == 302  # the person is answered as usual
    assert time.monotonic() - started < 3  # and not kept waiting on the broker
    [row] = outbox_rows()
    assert row.status == "queued" and recorder.messages == []
    new_worker()
    web.extensions["celery"].send_task("workers.tasks.sweep_outbox")
    wait_for(lambda: recorder.messages, what="the swept message")
    assert [m["To"] for m in recorder.messages] == ["rosa@example.org"]
    assert recorder.messages[0]["Subject"] and outbox_rows()[0].status == "sent"


def test_two_schedulers_running_the_same_reminders_queue_each_once(stack):
    web, recorder, new_worker = stack
    owner = factories.user(email="owner@example.org")
    for n in range(3):
        factories.deliverable(owner=owner, due_date=factories.today() + timedelta(days=7),
                              title=f"Entregable {n}")
    db.session.commit()
    new_worker()
    celery = web.extensions["celery"]
    # Two beats fire the same job at the same moment; the worker runs both at once (two processes).
    for _ in range(2):
        celery.send_task("workers.tasks.queue_reminders")
    wait_for(lambda: len(recorder.messages) >= 3, what="three reminders")
    time.sleep(1.5)
    assert sorted(m["To"] for m in recorder.messages) == ["owner@example.org"] * 3
    rows = outbox_rows()
    assert len(rows) == 3 and {r.status for r in rows} == {"sent"}
    assert len({r.dedupe_key for r in rows}) == 3
