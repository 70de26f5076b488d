"""A database that goes away under load: PostgreSQL stopped and started under concurrent writers, and a
connection killed mid-request. Never a 500; every history row matches a 2xx or a retry with the same
Idempotency-Key; the app recovers by itself.

These tests run their OWN throwaway PostgreSQL server (initdb into a temporary directory, pg_ctl on a
free port), never the machine's shared one, which other work depends on.
"""
from __future__ import annotations

import glob
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import flask_migrate
import psycopg
import pytest
import sqlalchemy as sa

from coalition import create_app
from coalition.extensions import db

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
WRITERS = 8
DELIVERABLES = 4
OUTAGE_SECONDS = 6


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"a private PostgreSQL server cannot be started but CI=true: {reason}")
    pytest.skip(f"a private PostgreSQL server cannot be started: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL server of our own in a temporary directory (run as `postgres` when we are root)."""

    def __init__(self, bindir: Path, base: Path, as_postgres: bool):
        self.bindir, self.base = bindir, base
        self.data, self.log = base / "data", base / "server.log"
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/coalition"

    def _run(self, *args, timeout: int = 90) -> None:
        subprocess.run([*self.prefix, str(self.bindir / args[0]), *args[1:]], check=True, capture_output=True,
                       timeout=timeout, cwd=self.base)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def connect(self, database: str = "coalition") -> psycopg.Connection:
        return psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{database}", autocommit=True)


@pytest.fixture(scope="module")
def private_postgres():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    if not candidates:
        _unavailable("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    bindir = Path(candidates[-1]).parent
    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="coalition-pg-"))
    try:
        if as_postgres:
            if shutil.which("runuser") is None:
                _unavailable("running as root without runuser")
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root and there is no postgres user")
            os.chown(base, account.pw_uid, account.pw_gid)
        server = PrivatePostgres(bindir, base, as_postgres)
        try:
            server.init()
            server.start()
        except (subprocess.SubprocessError, OSError) as error:
            _unavailable(f"{error}: {getattr(error, 'stderr', b'') or ''}")
        with server.connect("postgres") as connection:
            connection.execute("CREATE DATABASE coalition")
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": server.url, "SERVER_NAME": None})
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        yield server
        try:
            server.stop("immediate")
        except subprocess.SubprocessError:
            pass
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _seed(app, people: int, deliverables: int) -> tuple[list[str], list[int]]:
    """Members of ethics with a token each, and deliverables of ethics at 0 %."""
    from coalition.auth import services as auth_services
    from coalition.deliverables.models import Deliverable, DeliverableUpdate
    from tests import factories

    with app.app_context():
        db.session.execute(sa.delete(DeliverableUpdate))
        db.session.execute(sa.delete(Deliverable))
        members = [factories.user(groups={"ethics": "member"}) for _ in range(people)]
        items = [factories.deliverable("ethics", owner=members[i % people], progress=0, status="in_progress")
                 for i in range(deliverables)]
        tokens = [auth_services.create_api_token(m.email, factories.PASSWORD, "fault test")[1] for m in members]
        item_ids = [item.id for item in items]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens, item_ids


def _post(port: int, path: str, token: str, key: str, body: dict, timeout: float = 20.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        connection.close()


def _wait_until_healthy(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not become healthy")


@pytest.fixture(scope="module")
def gunicorn(private_postgres, tmp_path_factory):
    """The app served by gunicorn with 4 workers against the private server, as in production."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    binary = Path(sys.executable).parent / "gunicorn"
    if not binary.exists():
        _unavailable("gunicorn is not installed in the virtualenv")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("REDIS_URL", "COALITION_"))}
    env.update({"COALITION_ENV": "testing", "DATABASE_URL": private_postgres.url, "SECRET_KEY": "fault-test",
                "COALITION_INSTANCE": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT),
                # Answer as production does: error handlers, not a debugger's propagated exceptions.
                "COALITION_PROPAGATE_EXCEPTIONS": "false"})
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(binary), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60",
                                "--graceful-timeout", "2", "coalition.wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


class Writer(threading.Thread):
    """Posts updates with a fresh Idempotency-Key each, retrying the same key and body on 503, on a 409
    "in use" and on connection errors, as a careful client does."""

    def __init__(self, port: int, token: str, item_ids: list[int], index: int, stop: threading.Event,
                 ledger: Ledger):
        super().__init__(daemon=True)
        self.port, self.token, self.item_ids, self.index = port, token, item_ids, index
        self.stop, self.ledger = stop, ledger

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            item_id = self.item_ids[(self.index + n) % len(self.item_ids)]
            key = uuid.uuid4().hex
            body = {"status": "in_progress", "progress": (self.index * 13 + n * 7) % 101, "note": key}
            self.ledger.begin(key, item_id)
            give_up = time.monotonic() + 90
            while time.monotonic() < give_up:
                try:
                    status, headers, data = _post(self.port, f"/api/v1/deliverables/{item_id}/updates",
                                                  self.token, key, body)
                except (OSError, http.client.HTTPException) as error:
                    self.ledger.answer(key, f"connection error: {type(error).__name__}")
                    time.sleep(0.1)
                    continue
                self.ledger.answer(key, status, headers, data)
                if status == 503 or (status == 409 and b"idempotency_key_in_use" in data):
                    time.sleep(0.1)
                    continue
                break


class Ledger:
    """Every key a writer used and every answer it got, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys: dict[str, dict] = {}
        self.answers: list[tuple[float, object]] = []

    def begin(self, key: str, item_id: int) -> None:
        with self.lock:
            self.keys[key] = {"item_id": item_id, "answers": [], "final": None, "body": None, "replayed": False}

    def answer(self, key: str, status, headers=None, data=None) -> None:
        with self.lock:
            entry = self.keys[key]
            entry["answers"].append(status)
            self.answers.append((time.monotonic(), status))
            if isinstance(status, int) and status < 500 and not (status == 409 and b"in_use" in (data or b"")):
                entry["final"], entry["body"] = status, data
                entry["replayed"] = (headers or {}).get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_writers_survive_postgres_stopping_and_starting_again(private_postgres, gunicorn, mode):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": private_postgres.url, "SERVER_NAME": None})
    tokens, item_ids = _seed(app, WRITERS, DELIVERABLES)
    stop, ledger = threading.Event(), Ledger()
    writers = [Writer(gunicorn, tokens[i], item_ids, i, stop, ledger) for i in range(WRITERS)]
    for writer in writers:
        writer.start()
    time.sleep(2.5)
    stopped_at = time.monotonic()
    private_postgres.stop(mode)
    time.sleep(OUTAGE_SECONDS)
    private_postgres.start()
    restarted_at = time.monotonic()
    time.sleep(4)
    stop.set()
    for writer in writers:
        writer.join(120)
    assert not any(writer.is_alive() for writer in writers), "a writer never got an answer"

    statuses = Counter(status for _at, status in ledger.answers)
    assert not [s for s in statuses if isinstance(s, int) and s >= 500 and s != 503], statuses
    during = [status for at, status in ledger.answers if stopped_at <= at < restarted_at]
    assert 503 in during or any(isinstance(s, str) for s in during), f"the outage was not seen: {statuses}"
    after = [status for at, status in ledger.answers if at >= restarted_at + 1]
    assert 201 in after, f"the app did not recover: {Counter(after)}"

    from coalition.deliverables.models import Deliverable, DeliverableUpdate

    with app.app_context():
        rows = db.session.execute(sa.select(DeliverableUpdate.deliverable_id, DeliverableUpdate.note,
                                            DeliverableUpdate.progress_after, DeliverableUpdate.id)
                                  .order_by(DeliverableUpdate.id)).all()
        progress = dict(db.session.execute(sa.select(Deliverable.id, Deliverable.progress)).all())
        db.session.remove()
        db.engine.dispose()

    notes = Counter(note for _item, note, _progress, _id in rows)
    twice = [note for note, count in notes.items() if count > 1]
    assert not twice, f"written twice: {twice}"
    acknowledged = {key for key, entry in ledger.keys.items() if entry["final"] == 201}
    unexplained = [note for note in notes if note not in acknowledged]
    assert not unexplained, f"history rows without a 2xx for their key: " \
                            f"{[(n, ledger.keys.get(n, {}).get('answers')) for n in unexplained]}"
    lost = [key for key in acknowledged if key not in notes]
    assert not lost, f"acknowledged but not in the history: {lost}"
    for key in acknowledged:
        assert json.loads(ledger.keys[key]["body"])["note"] == key
    newest: dict[int, int] = {}
    for item_id, _note, progress_after, _id in rows:
        newest[item_id] = progress_after
    for item_id in item_ids:
        if item_id in newest:
            assert progress[item_id] == newest[item_id], (item_id, progress[item_id], newest[item_id])
    replayed = sum(1 for entry in ledger.keys.values() if entry["replayed"])
    print(f"\n{mode}: {dict(statuses)}; {len(rows)} rows, {len(acknowledged)} acknowledged, {replayed} replayed")


# --- a connection killed in the middle of a request ----------------------------------------------

@pytest.fixture
def killer(private_postgres):
    """kill.at("INSERT INTO deliverable_updates") ends the app's own backend just before that statement."""

    class Killer:
        target: str | None = None
        killed = 0

        def at(self, statement_start: str | None) -> None:
            self.target = statement_start

        def before_cursor_execute(self, conn, cursor, statement, parameters, context, executemany):
            if self.target and statement.lstrip().upper().startswith(self.target.upper()):
                self.target = None
                pid = conn.connection.dbapi_connection.info.backend_pid
                with private_postgres.connect() as other:
                    other.execute("SELECT pg_terminate_backend(%s)", (pid,))
                self.killed += 1

    return Killer()


@pytest.fixture
def killable_app(private_postgres, killer, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": private_postgres.url, "SERVER_NAME": None,
                                 "PROPAGATE_EXCEPTIONS": False})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", killer.before_cursor_execute)
    yield app
    with app.app_context():
        sa.event.remove(db.engine, "before_cursor_execute", killer.before_cursor_execute)
        db.engine.dispose()


def _count_updates(app, note: str) -> int:
    from coalition.deliverables.models import DeliverableUpdate

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(DeliverableUpdate)
                                  .where(DeliverableUpdate.note == note))
        db.session.remove()
        return count


def test_a_connection_killed_mid_request_is_a_503_then_the_retry_writes_once(killable_app, killer):
    tokens, item_ids = _seed(killable_app, 1, 1)
    client = killable_app.test_client()
    headers = {"Authorization": f"Bearer {tokens[0]}", "Idempotency-Key": "killed-once"}
    body = {"status": "in_progress", "progress": 35, "note": "killed-once"}
    path = f"/api/v1/deliverables/{item_ids[0]}/updates"

    killer.at("INSERT INTO deliverable_updates")
    refused = client.post(path, json=body, headers=headers)
    assert killer.killed == 1
    assert refused.status_code == 503, refused.get_data(as_text=True)[:500]
    assert refused.get_json()["error"]["code"] == "unavailable"
    assert _count_updates(killable_app, "killed-once") == 0

    retried = client.post(path, json=body, headers=headers)
    assert retried.status_code == 201, retried.get_data(as_text=True)[:500]
    again = client.post(path, json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == retried.get_json()
    assert _count_updates(killable_app, "killed-once") == 1


@pytest.mark.parametrize("statement", ["SELECT", "UPDATE api_tokens"])
def test_a_connection_killed_during_the_token_check_is_a_503(killable_app, killer, statement):
    tokens, _item_ids = _seed(killable_app, 1, 1)
    client = killable_app.test_client()
    # The token check (before any view) reads the token, then stamps and commits its first use.
    killer.at(statement)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert killer.killed == 1
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 200


def test_a_page_whose_connection_is_killed_is_a_plain_503_then_it_recovers(killable_app, killer):
    from tests.conftest import login

    _seed(killable_app, 1, 1)
    with killable_app.app_context():
        from coalition.auth.models import User

        person = db.session.scalars(sa.select(User).order_by(User.id.desc())).first()
        db.session.expunge(person)
        db.session.remove()
    client = killable_app.test_client()
    login(client, person)
    killer.at("SELECT users")  # the user loader, first thing on every page
    response = client.get("/")
    assert killer.killed == 1
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
