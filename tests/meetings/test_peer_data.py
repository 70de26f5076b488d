"""bench/meetings_seed.py adds the peer comparison's meetings to a demo coalition, once."""
from __future__ import annotations

import importlib.util
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.test_demo_seed import _fresh_app, _seed

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "meetings_seed.py"


def _script():
    spec = importlib.util.spec_from_file_location("meetings_seed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_peer_data_is_200_daily_meetings_and_the_big_one_tomorrow(tmp_path):
    from coalition.extensions import db
    from coalition.meetings.models import ActionItem, Attendance, Decision, Meeting, MinutesRevision

    script = _script()
    app = _fresh_app(tmp_path / "peer.db")
    now = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)
    with app.app_context():
        _seed(app)
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))
        result = script.seed("ethics", now=now)
        again = script.seed("ethics", now=now)
        assert again == result
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == before + 200
        assert result["group"] == "ethics" and result["attendance"] == 40
        big = db.session.get(Meeting, result["big_meeting_id"])
        local = big.starts_at.astimezone(ZoneInfo("America/Mexico_City"))
        assert (local.date().isoformat(), local.hour, big.duration_minutes) == ("2026-12-01", 9, 480)
        assert sum(line[:1].isdigit() for line in big.agenda.splitlines()) == 30
        (minutes,) = db.session.scalars(sa.select(MinutesRevision).where(MinutesRevision.meeting_id == big.id))
        assert minutes.body.count("\n## ") == 30
        statuses = set(db.session.scalars(sa.select(Attendance.status).where(Attendance.meeting_id == big.id)))
        assert statuses == {"attended", "excused", "absent"}
        for model in (Decision, ActionItem):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                     .where(model.meeting_id == big.id)) == 5
        days = sorted(m.starts_at.astimezone(ZoneInfo("America/Mexico_City")).date() for m in db.session.scalars(
            sa.select(Meeting).where(Meeting.title.like("Reunión de la coalición%") | (Meeting.id == big.id))))
        assert len(days) == 200
        assert (days[0].isoformat(), days[-1].isoformat()) == ("2026-08-23", "2027-03-10")  # 99 days back, 100 ahead
