"""Digests end to end for N people into a local SMTP server, beside the floor of plain smtplib.

    .venv/bin/python bench/digests.py                      # 10,000 people, SQLite in a temp folder
    .venv/bin/python bench/digests.py --people 2000 --workers 1
    .venv/bin/python bench/digests.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Ours: `queue_digests` (find who is due, read their news, render three templates each, one INSERT
per batch), then `deliver_due` in `--workers` processes, as a Celery worker's pool would run it
(claim batches, build each MIME message, send over one SMTP connection per process, record each
outcome). The floor: `smtplib` sending the very same messages, already rendered to bytes, over
one connection to the same server, in the same run. The server (aiosmtpd, in its own process)
writes down every Message-ID it accepts, so a message lost or sent twice would show.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import smtplib
import socket
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONDAY_8_MEXICO = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)


def serve_smtp(port: int, log_path: str, ready) -> None:
    """An SMTP server that only notes each Message-ID, so it costs the same for both senders."""
    import asyncio

    from aiosmtpd.controller import Controller

    log = open(log_path, "ab", buffering=0)

    class Recorder:
        async def handle_DATA(self, server, session, envelope):
            for line in envelope.content.split(b"\r\n", 40):
                if line.lower().startswith(b"message-id:"):
                    log.write(line.split(b":", 1)[1].strip() + b"\n")
                    break
            return "250 OK"

    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        asyncio.run(asyncio.sleep(10**6))
    finally:
        controller.stop()


def received(log_path: str) -> list[bytes]:
    return Path(log_path).read_bytes().splitlines()


def make_app(url: str, port: int, folder: str):
    from coalition import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                                 "OUTBOX_DISPATCH": False})
    app.instance_path = folder
    return app


def deliver_worker(url: str, port: int, folder: str, start, results) -> None:
    """One process of the worker pool: waits for the signal, then sends what is due."""
    from coalition.notifications import services

    app = make_app(url, port, folder)
    with app.app_context():
        start.wait()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            results.put(profile.runcall(services.deliver_due, limit=10**7))
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            return
        results.put(services.deliver_due(limit=10**7))


def populate(people: int) -> None:
    import sqlalchemy as sa

    from coalition.auth.models import User
    from coalition.deliverables.models import Deliverable
    from coalition.extensions import db
    from coalition.groups.models import GroupMembership, WorkingGroup

    groups = db.session.execute(sa.select(WorkingGroup.id).order_by(WorkingGroup.id)).scalars().all()
    for start in range(0, people, 2000):
        count = min(2000, people - start)
        db.session.execute(sa.insert(User), [
            {"email": f"persona{n}@example.org", "name": f"Persona {n}", "password_hash": "x",
             "session_token": f"bench-{n}", "language": "es" if n % 3 else "en",
             "role": "coordinator" if n % 500 == 0 else "member"} for n in range(start, start + count)])
    ids = db.session.execute(sa.select(User.id).where(User.email.like("persona%")).order_by(User.id)).scalars().all()
    db.session.execute(sa.insert(GroupMembership), [
        {"user_id": i, "group_id": groups[i % len(groups)], "role": "member"} for i in ids])
    db.session.execute(sa.insert(Deliverable), [
        {"group_id": groups[i % len(groups)], "title": f"Recomendación de política pública {i}", "owner_id": i,
         "due_date": date(2026, 12, 11), "status": "in_progress", "progress": (i * 7) % 100,
         "last_update_at": MONDAY_8_MEXICO} for i in ids])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="delivery processes, like a Celery worker's pool (default: one per core)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    import flask_migrate
    import sqlalchemy as sa

    from coalition.extensions import db
    from coalition.notifications import digests, services
    from coalition.notifications.models import OutboxMessage

    context = multiprocessing.get_context("spawn")
    folder = tempfile.mkdtemp(prefix="coalition-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = f"{folder}/received.log"
    ready = context.Event()
    server = context.Process(target=serve_smtp, args=(port, log_path, ready), daemon=True)
    server.start()
    ready.wait(30)

    app = make_app(url, port, folder)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        flask_migrate.upgrade()
        print(f"Populating {args.people:,} people…", file=sys.stderr)
        populate(args.people)
        db.engine.dispose()

        start, results = context.Event(), context.Queue()
        pool = [context.Process(target=deliver_worker, args=(url, port, folder, start, results))
                for _ in range(args.workers)]
        for process in pool:
            process.start()
        time.sleep(3)  # the pool is up and waiting, as a running worker would be

        started = time.perf_counter()
        queued = digests.queue_digests(MONDAY_8_MEXICO)
        db.session.commit()
        queue_seconds = time.perf_counter() - started
        start.set()
        outcomes = [results.get(timeout=3600) for _ in pool]
        ours = time.perf_counter() - started
        for process in pool:
            process.join()
        sent = sum(o.get("sent", 0) for o in outcomes)
        ids = received(log_path)
        assert queued["sent"] == args.people and sent == args.people, (queued, outcomes)
        assert len(ids) == len(set(ids)) == args.people, "a message was lost or doubled"

        # The floor: the same messages, rendered to bytes beforehand, through plain smtplib.
        rows = db.session.execute(sa.select(OutboxMessage.__table__).order_by(OutboxMessage.id)).all()
        wire = [(row.recipient, services.build_email(row).as_bytes(policy=services.SMTP_POLICY)) for row in rows]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for recipient, data in wire:
                smtp.sendmail("no-reply@coalition.local", [recipient], data)
        floor = time.perf_counter() - started
        assert len(received(log_path)) == 2 * args.people
        size = sum(len(data) for _r, data in wire) / len(wire)
    server.terminate()

    n = args.people
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Digests end to end: {n:,} people, {database}, {args.workers} delivery process(es), "
          f"average message {size / 1024:.1f} KiB")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| | seconds | messages/s |")
    print("|---|---:|---:|")
    print(f"| Coalition: find, read, render, queue | {queue_seconds:.2f} | {n / queue_seconds:,.0f} |")
    print(f"| Coalition: claim, build, send, record | {ours - queue_seconds:.2f} | {n / (ours - queue_seconds):,.0f} |")
    print(f"| **Coalition end to end** | {ours:.2f} | **{n / ours:,.0f}** |")
    print(f"| Floor: smtplib, pre-rendered, one connection | {floor:.2f} | {n / floor:,.0f} |")
    print()
    print(f"Ratio to the floor's rate: {floor / ours:.2f} (goal: at least 0.5)")


if __name__ == "__main__":
    main()
