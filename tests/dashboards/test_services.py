"""The dashboard's figures: progress and its change, balance, attendance, places, activity, filters."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.dashboards import services
from coalition.deliverables.models import DeliverableUpdate
from coalition.errors import ValidationError
from coalition.extensions import db
from tests import factories


def update(deliverable, before: int, after: int, days_ago: int, author=None) -> None:
    db.session.add(DeliverableUpdate(deliverable_id=deliverable.id, author_id=(author or deliverable.owner).id,
                                     status_before="in_progress", status_after="in_progress",
                                     progress_before=before, progress_after=after,
                                     created_at=factories.days_ago(days_ago)))


def test_progress_change_counts_the_moves_of_the_last_7_and_30_days(app):
    coordinator = factories.user(role="coordinator")
    first = factories.deliverable("ethics", progress=60)
    factories.deliverable("ethics", progress=20)
    update(first, 20, 40, days_ago=20)  # in the month, not the week
    update(first, 40, 60, days_ago=2)  # in both
    update(first, 0, 20, days_ago=45)  # in neither
    db.session.commit()
    board = services.dashboard(coordinator)
    ethics = factories.group("ethics")
    assert (ethics, 40, 2) in board.progress
    # Two deliverables: +20 points on one is +10 on the group's average in the week, +20 in the month.
    assert board.change[ethics.id] == (10.0, 20.0)


def test_balance_flags_absent_and_dominant_sectors(app):
    coordinator = factories.user(role="coordinator")
    for n in range(4):
        institution = factories.institution(sector="academia", name=f"Universidad {n}")
        factories.user(groups={"research": "member"}, institution_id=institution.id)
    industry = factories.institution(sector="industry")
    factories.user(groups={"research": "member"}, institution_id=industry.id)
    db.session.commit()
    board = services.dashboard(coordinator)
    research = next(b for b in board.balance if b.group_id == factories.group("research").id)
    assert research.institutions == {"academia": 4, "industry": 1}
    assert research.dominant == ["academia"]  # 4 of 5 institutions: over 60 %
    assert set(research.absent) == {"civil_society", "government", "international"}
    empty = next(b for b in board.balance if b.group_id == factories.group("abroad").id)
    assert empty.institutions == {} and empty.absent == [] and empty.dominant == []


def test_attendance_rates_by_month_group_sector_and_institution(app):
    coordinator = factories.user(role="coordinator")
    academia = factories.institution(sector="academia", name="Universidad Autónoma")
    government = factories.institution(sector="government", name="Secretaría")
    scholar = factories.user(groups={"ethics": "member"}, institution_id=academia.id)
    official = factories.user(groups={"ethics": "member"}, institution_id=government.id)
    for days in (10, 40):
        meeting = factories.meeting("ethics", invitees=[scholar, official], status="held",
                                    starts_at=factories.days_ago(days))
        for row in meeting.attendance:
            row.status = "attended" if row.user_id == scholar.id or days == 10 else "absent"
    factories.meeting("ethics", invitees=[scholar, official])  # upcoming: not counted
    db.session.commit()
    board = services.dashboard(coordinator)
    assert sum(t for _m, _a, t in board.attendance_by_month) == 4
    assert sum(a for _m, a, _t in board.attendance_by_month) == 3
    assert board.attendance_by_group == {factories.group("ethics").id: (3, 4)}
    assert board.attendance_by_sector == {"academia": (2, 2), "government": (1, 2)}
    assert [row[1] for row in board.attendance_by_institution] == ["Universidad Autónoma", "Secretaría"]
    balance = next(b for b in board.balance if b.group_id == factories.group("ethics").id)
    assert balance.attendance == {"academia": 2, "government": 1}


def test_institutions_by_state_and_sector_and_the_activity_feed(app):
    coordinator = factories.user(role="coordinator")
    factories.institution(state="JAL", sector="industry")
    factories.institution(state="JAL", sector="academia")
    factories.institution(state="NLE", sector="academia")
    item = factories.deliverable("ethics", title="Guía de ética")
    update(item, 0, 10, days_ago=1)
    factories.meeting("ethics", status="held", title="Sesión 1", starts_at=factories.days_ago(3))
    db.session.commit()
    board = services.dashboard(coordinator)
    assert board.institutions_by_state[0] == ("JAL", 2)
    assert board.institutions_by_sector["academia"] == 2
    kinds = [a.kind for a in board.activity]
    assert {"update", "member", "meeting"} <= set(kinds)
    assert board.activity == sorted(board.activity, key=lambda a: a.at, reverse=True)


def test_the_date_range_narrows_attendance_and_activity(app):
    coordinator = factories.user(role="coordinator")
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    meeting = factories.meeting("ethics", invitees=[member], status="held", starts_at=factories.days_ago(100))
    meeting.attendance[0].status = "attended"
    db.session.commit()
    today = factories.today()
    recent = services.dashboard(coordinator, filters=services.Filters(start=today - timedelta(days=30)))
    longer = services.dashboard(coordinator, filters=services.Filters(start=today - timedelta(days=200), end=today))
    assert recent.attendance_by_group == {} and not [a for a in recent.activity if a.kind == "meeting"]
    assert longer.attendance_by_group == {factories.group("ethics").id: (1, 1)}


@pytest.mark.parametrize("values, field", [
    ({"sector": "pirates"}, "sector"), ({"start": "2026-02-30"}, "start"), ({"end": "mañana"}, "end"),
    ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
])
def test_bad_filters_are_refused_by_field(values, field):
    with pytest.raises(ValidationError) as error:
        services.Filters.parse(**values)
    assert field in error.value.fields


def test_a_lead_gets_only_their_groups_board(app):
    from coalition.errors import PermissionDenied

    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    assert services.dashboard(lead, factories.group("ethics")).group.slug == "ethics"
    with pytest.raises(PermissionDenied):
        services.dashboard(lead, factories.group("research"))
    with pytest.raises(PermissionDenied):
        services.dashboard(lead)


def _month_of_a_2021_meeting(starts_at):
    from coalition.meetings.models import Attendance

    coordinator = factories.user(role="coordinator")
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    meeting = factories.meeting("ethics", invitees=[member], status="held", starts_at=starts_at)
    db.session.execute(sa.update(Attendance).where(Attendance.meeting_id == meeting.id).values(status="attended"))
    db.session.commit()
    year = services.Filters(start=date(2021, 1, 1), end=date(2021, 12, 31))
    return services.dashboard(coordinator, filters=year).attendance_by_month


# 2021-05-01 05:30 UTC is 00:30 on May 1 in Mexico City, then under daylight time (UTC-5);
# a fixed UTC-6 would have put it at 23:30 on April 30. After DST ended (Oct 31), UTC-6 again.
MEXICO_2021 = [
    (datetime(2021, 5, 1, 5, 30, tzinfo=timezone.utc), "2021-05"),
    (datetime(2021, 10, 1, 5, 30, tzinfo=timezone.utc), "2021-10"),  # 00:30 on October 1 (still UTC-5)
    (datetime(2021, 11, 1, 5, 30, tzinfo=timezone.utc), "2021-10"),  # 23:30 on October 31 (UTC-6)
]


@pytest.mark.parametrize("starts_at, month", MEXICO_2021)
def test_months_follow_mexicos_former_daylight_time_on_sqlite(app, starts_at, month):
    assert _month_of_a_2021_meeting(starts_at) == [(month, 1, 1)]


@pytest.mark.postgres
@pytest.mark.parametrize("starts_at, month", MEXICO_2021)
def test_months_follow_mexicos_former_daylight_time_on_postgres(app, starts_at, month):
    assert _month_of_a_2021_meeting(starts_at) == [(month, 1, 1)]


def test_months_follow_the_coalition_timezone_setting(app):
    app.config["COALITION_TIMEZONE"] = "America/Tijuana"  # UTC-7 under daylight time in May 2021
    assert _month_of_a_2021_meeting(datetime(2021, 5, 1, 5, 30, tzinfo=timezone.utc)) == [("2021-04", 1, 1)]
