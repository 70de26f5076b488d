"""One setting, COALITION_TIMEZONE, is the coalition's home timezone everywhere it is used."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from coalition.database import coalition_today
from coalition.deliverables.health import coalition_clock
from coalition.extensions import db
from coalition.i18n import select_timezone
from coalition.meetings.ics import meeting_calendar
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
# 03:30 UTC on 2 March 2026: still 1 March in Bogotá (UTC-5) and Mexico City (UTC-6).
LATE = datetime(2026, 3, 2, 3, 30, tzinfo=timezone.utc)


def test_the_zone_is_spelled_out_only_in_the_settings():
    allowed = {"config/__init__.py",
               "coalition/i18n.py",  # the list of Mexico's zones a person may pick
               "coalition/api/me.py"}  # an example value in the OpenAPI document
    spelled = {str(path.relative_to(ROOT)) for folder in ("coalition", "workers", "config", "templates")
               for path in (ROOT / folder).rglob("*") if path.suffix in (".py", ".html", ".txt")
               and re.search(r"America/Mexico_City", path.read_text())}
    assert spelled <= allowed


def test_new_accounts_today_health_and_anonymous_visitors_follow_the_setting(app):
    app.config["COALITION_TIMEZONE"] = "America/Bogota"
    person = factories.user()
    db.session.commit()
    assert person.timezone == "America/Bogota"
    assert coalition_clock(LATE).today.isoformat() == "2026-03-01"
    assert coalition_today() == datetime.now(timezone.utc).astimezone(
        ZoneInfo("America/Bogota")).date()
    with app.test_request_context("/"):
        assert select_timezone() == "America/Bogota"


def test_calendar_files_are_anchored_in_the_coalition_timezone(app):
    app.config["COALITION_TIMEZONE"] = "America/Bogota"
    meeting = factories.meeting("ethics", starts_at=datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc))
    db.session.commit()
    assert b"DTSTART;TZID=America/Bogota:20310506T110000" in meeting_calendar(meeting)


def test_by_default_the_coalition_lives_in_mexico_city(app):
    person = factories.user()
    db.session.commit()
    assert app.config["COALITION_TIMEZONE"] == person.timezone == "America/Mexico_City"
