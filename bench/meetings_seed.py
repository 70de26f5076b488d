"""Add the peer comparison's meetings to a seeded demo coalition (see ../shared/peers/README.md).

In one working group: 200 meetings, one a day from 99 days ago to 100 days ahead; the one of
tomorrow is the big meeting (09:00 Mexico City, 8 hours) with a 30-item Markdown agenda, 40
invitees with their attendance recorded, minutes of 30 sections (a draft, so managers see the
editor too), 5 decisions and 5 action items. Idempotent: a second run adds nothing.

    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/meetings_seed.py [--group ethics]
    … bench/meetings_seed.py --measure 60    # then time the three pages in-process (stderr)

The last line printed is JSON: {"group": <slug>, "big_meeting_id": <id>, "meetings": <n>, …}.
`--measure N` signs in as the demo coordinator and requests /healthz, the group's list, the big
meeting and its .ics in turn through `app.test_client()`, N rounds after a warm-up, and prints each
page's p50 wall and CPU time and its multiple of /healthz's: for finding causes on a busy machine,
not for the side-by-side comparison (bench/peer.py serves the app with gunicorn for that).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

MEETINGS = 200
FIRST_DAY = -99  # days from today; the last is FIRST_DAY + MEETINGS - 1 = 100
AGENDA_ITEMS = SECTIONS = 30
INVITEES = 40
DECISIONS = ACTION_ITEMS = 5
BIG_TITLE = "Plenaria de la coalición: planeación anual"
ZONE = ZoneInfo("America/Mexico_City")
LOREM = ("Reunión de trabajo de la coalición. Se revisa el avance de las instituciones integrantes, "
         "los pendientes de la sesión anterior, el presupuesto, el plan de comunicación y asuntos generales. ")


def big_agenda() -> str:
    """A 30-item Markdown agenda, each item with a speaker and a short note."""
    lines = ["**Orden del día**", ""]
    for i in range(1, AGENDA_ITEMS + 1):
        lines.append(f"{i}. **Punto {i}: informe del grupo de trabajo {i % 6 + 1}** — presenta la "
                     f"persona integrante {i:02d} (15 min). {LOREM[:120]} Ver [el acta anterior]"
                     f"(https://example.org/actas/{i}).")
    return "\n".join(lines)


def big_minutes() -> str:
    """Minutes in 30 sections: a heading, a paragraph, an agreement and a short list each."""
    lines = ["# Minuta de la plenaria", ""]
    for i in range(1, SECTIONS + 1):
        lines += [f"## Punto {i}", "", f"{LOREM}*Acuerdo {i}:* aprobado por consenso. "
                  f"**Pendiente:** la persona integrante {i:02d} da seguimiento antes de la próxima sesión.", "",
                  f"- Punto A{i}", f"- Punto B{i}", f"- Ver `documento-{i}.pdf`", ""]
    return "\n".join(lines)


def seed(group_slug: str | None = None, now: datetime | None = None) -> dict:
    """Add the meetings and the big meeting (inside an app context); return what the bench needs."""
    from coalition.auth.models import User
    from coalition.extensions import db
    from coalition.groups.models import GroupMembership, WorkingGroup
    from coalition.meetings.models import ActionItem, Attendance, Decision, Meeting, MinutesRevision

    coordinator = db.session.execute(sa.select(User).where(User.email == "coordinator@example.org")).scalar_one()
    stmt = sa.select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id)
    if group_slug:
        stmt = stmt.where(WorkingGroup.slug == group_slug)
    group = db.session.execute(stmt.limit(1)).scalar_one()

    existing = db.session.execute(
        sa.select(Meeting).where(Meeting.group_id == group.id, Meeting.title == BIG_TITLE)).scalar_one_or_none()
    if existing is None:
        now = now or datetime.now(timezone.utc)
        today = now.astimezone(ZONE).date()
        members = list(db.session.execute(
            sa.select(User.id, User.institution_id).join(GroupMembership, GroupMembership.user_id == User.id)
            .where(GroupMembership.group_id == group.id, User.active.is_(True)).order_by(User.id)).all())
        big = None
        for n in range(MEETINGS):
            offset = FIRST_DAY + n
            day = today + timedelta(days=offset)
            is_big = offset == 1
            starts_at = datetime.combine(day, time(9 if is_big else 10), tzinfo=ZONE).astimezone(timezone.utc)
            meeting = Meeting(
                group_id=group.id, title=BIG_TITLE if is_big else f"Reunión de la coalición n.º {n + 1}",
                starts_at=starts_at, duration_minutes=480 if is_big else 120,
                location=f"Sala {n % 5 + 1}, Av. Reforma 1, Ciudad de México",
                agenda=big_agenda() if is_big else LOREM * 3,
                status="held" if offset < 0 else "scheduled", organiser_id=coordinator.id)
            db.session.add(meeting)
            if is_big:
                big = meeting
        db.session.flush()
        for meeting in db.session.execute(sa.select(Meeting).where(
                Meeting.group_id == group.id, Meeting.title.like("Reunión de la coalición n.º %"))).scalars():
            for user_id, institution_id in members:
                db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id, institution_id=institution_id,
                                          status="attended" if meeting.status == "held" else "invited"))

        # The big meeting's 40: the group's members first, then other active people.
        others = db.session.execute(
            sa.select(User.id, User.institution_id).where(User.active.is_(True))
            .where(~User.id.in_([user_id for user_id, _ in members])).order_by(User.id)).all()
        invitees = (members + list(others))[:INVITEES]
        statuses = ("attended", "attended", "attended", "excused", "absent")
        for i, (user_id, institution_id) in enumerate(invitees):
            db.session.add(Attendance(meeting_id=big.id, user_id=user_id, institution_id=institution_id,
                                      status=statuses[i % len(statuses)]))
        db.session.add(MinutesRevision(meeting_id=big.id, body=big_minutes(), author_id=coordinator.id))
        for i in range(1, DECISIONS + 1):
            db.session.add(Decision(meeting_id=big.id, author_id=coordinator.id,
                                    text=f"Se aprueba el **acuerdo {i}** del plan anual, con los ajustes de la plenaria."))
        for i in range(1, ACTION_ITEMS + 1):
            user_id = invitees[i % len(invitees)][0]
            db.session.add(ActionItem(meeting_id=big.id, assignee_id=user_id, due_date=today + timedelta(days=7 * i),
                                      text=f"Enviar el informe {i} del grupo de trabajo a la coordinación."))
        db.session.commit()
        existing = big
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.group_id == group.id))
    return {"group": group.slug, "big_meeting_id": existing.id, "meetings": count,
            "attendance": db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)
                                            .where(Attendance.meeting_id == existing.id))}


def measure(app, result: dict, rounds: int, password: str) -> None:
    """Time the pages in-process, interleaved, and print p50 wall and CPU milliseconds to stderr."""
    import re
    import statistics
    import time

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "coordinator@example.org", "password": password,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as the demo coordinator (HTTP {response.status_code})")
    big = result["big_meeting_id"]
    paths = {"/healthz": "/healthz", "list": f"/meetings?group={result['group']}&when=all&per_page=100",
             "meeting": f"/meetings/{big}", ".ics": f"/meetings/{big}.ics"}
    for path in paths.values():
        for _ in range(5):
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path} did not answer 200")
    wall = {name: [] for name in paths}
    cpu = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path).get_data()
            cpu[name].append((time.process_time() - started_cpu) * 1000)
            wall[name].append((time.perf_counter() - started) * 1000)
    floor = statistics.median(wall["/healthz"])
    for name in paths:
        p50 = statistics.median(wall[name])
        print(f"{name:9} wall p50 {p50:7.2f} ms  {p50 / floor:5.1f}x /healthz   cpu p50 "
              f"{statistics.median(cpu[name]):6.2f} ms", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", help="the working group's slug (default: the first group)")
    parser.add_argument("--measure", type=int, metavar="N", default=0,
                        help="then time the pages in-process, N rounds (0: do not)")
    parser.add_argument("--password", default="coalition-demo", help="the demo password (for --measure)")
    args = parser.parse_args(argv)
    from coalition import create_app

    app = create_app(None, {"THROTTLE": False} if args.measure else None)
    with app.app_context():
        result = seed(args.group)
    if args.measure:
        measure(app, result, args.measure, args.password)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
