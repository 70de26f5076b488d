from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from coalition.audit.models import AuditEntry
from coalition.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.meetings import services
from coalition.meetings.models import ActionItem, Attendance, Decision, Meeting, MinutesRevision
from tests import factories

SOON = datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc)


def _audit_actions(meeting) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.subject_type == "meetings", AuditEntry.subject_id == meeting.id)
        .order_by(AuditEntry.id)))


def _lead_and_meeting(**values):
    lead = factories.user(groups={"ethics": "lead"})
    meeting = factories.meeting("ethics", invitees=[lead], organiser_id=lead.id, **values)
    return lead, meeting


# --- scheduling ------------------------------------------------------------------------------

def test_creating_a_meeting_invites_every_member_of_the_group(app):
    unam = factories.institution(sector="academia")
    lead = factories.user(groups={"ethics": "lead"})
    member = factories.user(groups={"ethics": "member"}, institution_id=unam.id)
    outsider = factories.user(groups={"data": "member"})
    meeting = services.create_meeting(lead, factories.group("ethics"), title="  Sesión de arranque ",
                                      starts_at=SOON, duration_minutes=90, location="Sala 2", agenda="1. Bienvenida")
    db.session.commit()
    assert meeting.title == "Sesión de arranque"
    assert meeting.organiser_id == lead.id and meeting.status == "scheduled"
    rows = {row.user_id: row
            for row in db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id))}
    assert set(rows) == {lead.id, member.id}
    assert outsider.id not in rows
    assert rows[member.id].institution_id == unam.id
    assert {row.status for row in rows.values()} == {"invited"}
    assert _audit_actions(meeting) == ["meeting.create"]


def test_member_cannot_schedule_a_meeting(app):
    member = factories.user(groups={"ethics": "member"})
    with pytest.raises(PermissionDenied):
        services.create_meeting(member, factories.group("ethics"), title="X", starts_at=SOON, duration_minutes=60)


def test_lead_of_another_group_cannot_schedule_here(app):
    lead = factories.user(groups={"data": "lead"})
    with pytest.raises(PermissionDenied):
        services.create_meeting(lead, factories.group("ethics"), title="X", starts_at=SOON, duration_minutes=60)


def test_coordinator_may_schedule_in_any_group(app):
    coordinator = factories.user(role="coordinator")
    meeting = services.create_meeting(coordinator, factories.group("abroad"), title="X", starts_at=SOON,
                                      duration_minutes=60)
    assert meeting.group.slug == "abroad"


def test_anonymous_cannot_read_or_schedule(app):
    meeting = factories.meeting()
    with pytest.raises(NotAuthenticated):
        services.get_meeting(None, meeting.id)
    with pytest.raises(NotAuthenticated):
        services.create_meeting(None, factories.group("ethics"), title="X", starts_at=SOON, duration_minutes=60)


@pytest.mark.parametrize("values, bad_field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 42}, "title"),
    ({"starts_at": datetime(2031, 5, 6, 10, 0)}, "starts_at"),  # naive
    ({"starts_at": "2031-05-06T10:00:00-06:00"}, "starts_at"),
    ({"starts_at": datetime(1500, 1, 1, tzinfo=timezone.utc)}, "starts_at"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 1441}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"duration_minutes": "60"}, "duration_minutes"),
    ({"location": "x" * 301}, "location"),
    ({"location": ["Sala"]}, "location"),
    ({"agenda": "x" * 50_001}, "agenda"),
])
def test_bad_meeting_values_are_refused_by_field(app, values, bad_field):
    lead = factories.user(groups={"ethics": "lead"})
    arguments = {"title": "Sesión", "starts_at": SOON, "duration_minutes": 60, **values}
    with pytest.raises(ValidationError) as raised:
        services.create_meeting(lead, factories.group("ethics"), **arguments)
    assert bad_field in raised.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_unknown_meeting_is_not_found(app):
    member = factories.user()
    for meeting_id in (999, 0, -1, "1", None, 2**40):
        with pytest.raises(NotFound):
            services.get_meeting(member, meeting_id)


def test_anyone_logged_in_may_read_any_groups_meeting(app):
    outsider = factories.user(groups={"data": "member"})
    meeting = factories.meeting("ethics")
    assert services.get_meeting(outsider, meeting.id) is meeting


# --- editing ---------------------------------------------------------------------------------

def test_moving_a_meeting_bumps_the_ics_sequence(app):
    lead, meeting = _lead_and_meeting()
    db.session.commit()
    services.edit_meeting(lead, meeting.id, version=meeting.version, starts_at=meeting.starts_at + timedelta(hours=2))
    db.session.commit()
    assert meeting.ical_sequence == 1
    services.edit_meeting(lead, meeting.id, version=meeting.version, location="https://meet.example.org/etica")
    db.session.commit()
    assert meeting.ical_sequence == 2
    services.edit_meeting(lead, meeting.id, version=meeting.version, duration_minutes=120)
    db.session.commit()
    assert meeting.ical_sequence == 3
    assert _audit_actions(meeting) == ["meeting.edit"] * 3


def test_retitling_does_not_bump_the_ics_sequence(app):
    lead, meeting = _lead_and_meeting()
    db.session.commit()
    uid = meeting.ical_uid
    services.edit_meeting(lead, meeting.id, version=meeting.version, title="Nuevo título", agenda="Orden del día",
                          starts_at=meeting.starts_at.astimezone(timezone(timedelta(hours=-6))))
    db.session.commit()
    assert meeting.title == "Nuevo título" and meeting.ical_sequence == 0 and meeting.ical_uid == uid


def test_saving_an_unchanged_meeting_changes_nothing(app):
    lead, meeting = _lead_and_meeting()
    db.session.commit()
    version = meeting.version
    services.edit_meeting(lead, meeting.id, version=version, title=meeting.title, starts_at=meeting.starts_at)
    db.session.commit()
    assert meeting.version == version
    assert _audit_actions(meeting) == []


def test_stale_version_is_a_conflict(app):
    lead, meeting = _lead_and_meeting()
    db.session.commit()
    stale = meeting.version
    services.edit_meeting(lead, meeting.id, version=stale, title="Primera edición")
    db.session.commit()
    with pytest.raises(Conflict) as raised:
        services.edit_meeting(lead, meeting.id, version=stale, title="Segunda edición")
    db.session.rollback()
    assert raised.value.current.title == "Primera edición"
    assert db.session.get(Meeting, meeting.id).title == "Primera edición"


@pytest.mark.parametrize("version", [None, "1", True, 1.0])
def test_edit_needs_a_whole_number_version(app, version):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError) as raised:
        services.edit_meeting(lead, meeting.id, version=version, title="X")
    assert "version" in raised.value.fields


def test_edit_refuses_unknown_fields(app):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError) as raised:
        services.edit_meeting(lead, meeting.id, version=meeting.version, status="held", group_id=3)
    assert set(raised.value.fields) == {"status", "group_id"}


def test_member_cannot_edit_a_meeting(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    with pytest.raises(PermissionDenied):
        services.edit_meeting(member, meeting.id, version=meeting.version, title="X")


def test_cancelled_meeting_cannot_be_edited(app):
    lead, meeting = _lead_and_meeting()
    services.cancel_meeting(lead, meeting.id)
    with pytest.raises(ValidationError):
        services.edit_meeting(lead, meeting.id, version=meeting.version, title="X")


def test_cancelling_bumps_the_sequence_once(app):
    lead, meeting = _lead_and_meeting()
    services.cancel_meeting(lead, meeting.id)
    services.cancel_meeting(lead, meeting.id)
    db.session.commit()
    assert meeting.status == "cancelled" and meeting.ical_sequence == 1
    assert _audit_actions(meeting) == ["meeting.cancel"]


def test_held_meeting_cannot_be_cancelled(app):
    lead, meeting = _lead_and_meeting(starts_at=datetime.now(timezone.utc) - timedelta(days=1))
    services.mark_held(lead, meeting.id)
    with pytest.raises(ValidationError):
        services.cancel_meeting(lead, meeting.id)


def test_future_meeting_cannot_be_marked_held(app):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError):
        services.mark_held(lead, meeting.id)
    assert meeting.status == "scheduled"


def test_member_cannot_cancel_or_mark_held(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", starts_at=datetime.now(timezone.utc) - timedelta(hours=2))
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(member, meeting.id)
    with pytest.raises(PermissionDenied):
        services.mark_held(member, meeting.id)


# --- minutes ---------------------------------------------------------------------------------

def test_every_minutes_revision_is_kept(app):
    lead, meeting = _lead_and_meeting()
    first = services.save_minutes(lead, meeting.id, "Asistieron 5 personas.")
    second = services.save_minutes(lead, meeting.id, "Asistieron 6 personas.\r\n\r\nSe acordó publicar.")
    db.session.commit()
    assert services.current_minutes(meeting).id == second.id
    assert services.current_minutes(meeting).body == "Asistieron 6 personas.\n\nSe acordó publicar."
    assert [r.id for r in services.minutes_revisions(meeting)] == [second.id, first.id]
    assert [r.author_id for r in services.minutes_revisions(meeting)] == [lead.id, lead.id]


def test_unchanged_minutes_add_no_revision(app):
    lead, meeting = _lead_and_meeting()
    first = services.save_minutes(lead, meeting.id, "Acta\n")
    again = services.save_minutes(lead, meeting.id, "Acta\r\n")
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MinutesRevision)) == 1


def test_published_minutes_are_locked(app):
    lead, meeting = _lead_and_meeting()
    services.save_minutes(lead, meeting.id, "Acta final")
    services.publish_minutes(lead, meeting.id)
    db.session.commit()
    assert meeting.minutes_published_at is not None
    with pytest.raises(ValidationError) as raised:
        services.save_minutes(lead, meeting.id, "Cambio tardío")
    assert "body" in raised.value.fields
    assert services.current_minutes(meeting).body == "Acta final"


def test_minutes_cannot_be_published_empty(app):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError):
        services.publish_minutes(lead, meeting.id)
    assert meeting.minutes_published_at is None


@pytest.mark.parametrize("body", ["", "   ", None, 5, "x" * 50_001])
def test_bad_minutes_are_refused(app, body):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError):
        services.save_minutes(lead, meeting.id, body)


def test_member_cannot_write_minutes(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    with pytest.raises(PermissionDenied):
        services.save_minutes(member, meeting.id, "Mi versión")
    with pytest.raises(PermissionDenied):
        services.publish_minutes(member, meeting.id)


# --- attendance ------------------------------------------------------------------------------

def test_attendance_is_recorded_for_invitees(app):
    lead = factories.user(groups={"ethics": "lead"})
    a, b = factories.user(groups={"ethics": "member"}), factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[lead, a, b])
    changed = services.record_attendance(lead, meeting.id, {a.id: "attended", b.id: "excused", lead.id: "invited"})
    db.session.commit()
    assert {row.user_id for row in changed} == {a.id, b.id}
    statuses = dict(db.session.execute(
        sa.select(Attendance.user_id, Attendance.status).where(Attendance.meeting_id == meeting.id)).all())
    assert statuses == {lead.id: "invited", a.id: "attended", b.id: "excused"}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting.attendance"))
    assert entry.changes == {str(a.id): ["invited", "attended"], str(b.id): ["invited", "excused"]}


def test_attendance_of_someone_not_invited_is_refused(app):
    lead, meeting = _lead_and_meeting()
    stranger = factories.user()
    with pytest.raises(ValidationError):
        services.record_attendance(lead, meeting.id, {stranger.id: "attended"})
    with pytest.raises(ValidationError):
        services.record_attendance(lead, meeting.id, {lead.id: "sleeping"})
    with pytest.raises(ValidationError):
        services.record_attendance(lead, meeting.id, {"abc": "attended"})
    with pytest.raises(ValidationError):
        services.record_attendance(lead, meeting.id, [(lead.id, "attended")])


def test_member_cannot_record_attendance(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    with pytest.raises(PermissionDenied):
        services.record_attendance(member, meeting.id, {member.id: "attended"})


def test_inviting_a_person_copies_their_institution_once(app):
    lead, meeting = _lead_and_meeting()
    guest = factories.user(institution_id=factories.institution(sector="government").id)
    first = services.invite_person(lead, meeting.id, guest.id)
    again = services.invite_person(lead, meeting.id, guest.id)
    assert first.id == again.id and first.institution_id == guest.institution_id
    with pytest.raises(ValidationError):
        services.invite_person(lead, meeting.id, 99999)


def test_attendance_summary_counts_by_status_and_sector(app):
    lead = factories.user(groups={"ethics": "lead"})
    academic = factories.user(institution_id=factories.institution(sector="academia").id)
    official = factories.user(institution_id=factories.institution(sector="government").id)
    meeting = factories.meeting("ethics", invitees=[lead, academic, official])
    services.record_attendance(lead, meeting.id, {academic.id: "attended", official.id: "absent", lead.id: "attended"})
    summary = services.attendance_summary(services.attendance_of(meeting))
    assert summary.total == 3
    assert summary.by_status == {"invited": 0, "attended": 2, "absent": 1, "excused": 0}
    assert summary.attended_by_sector == {"academia": 1}
    assert summary.attended_without_institution == 1


# --- decisions and action items --------------------------------------------------------------

def test_decisions_and_action_items_are_recorded_and_audited(app):
    lead, meeting = _lead_and_meeting()
    decision = services.add_decision(lead, meeting.id, "Publicar la guía ética.")
    item = services.add_action_item(lead, meeting.id, "Redactar borrador", assignee_id=lead.id,
                                    due_date=date(2031, 6, 1))
    services.set_action_item_done(lead, meeting.id, item.id, True)
    db.session.commit()
    assert meeting.decisions == [decision] and meeting.action_items == [item]
    assert item.done is True and item.assignee_id == lead.id
    assert _audit_actions(meeting) == ["meeting.decision", "meeting.action_add", "meeting.action_done"]


def test_bad_action_items_are_refused(app):
    lead, meeting = _lead_and_meeting()
    with pytest.raises(ValidationError) as raised:
        services.add_action_item(lead, meeting.id, "x" * 2001, assignee_id=424242, due_date="mañana")
    assert set(raised.value.fields) == {"text", "assignee_id", "due_date"}
    with pytest.raises(ValidationError):
        services.add_decision(lead, meeting.id, "")


def test_action_item_of_another_meeting_is_not_found(app):
    lead, meeting = _lead_and_meeting()
    _, other = _lead_and_meeting()
    item = services.add_action_item(lead, other.id, "Algo")
    with pytest.raises(NotFound):
        services.set_action_item_done(lead, meeting.id, item.id, True)
    with pytest.raises(ValidationError):
        services.set_action_item_done(lead, other.id, item.id, "yes")


def test_member_cannot_add_decisions_or_actions(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    with pytest.raises(PermissionDenied):
        services.add_decision(member, meeting.id, "Yo decido")
    with pytest.raises(PermissionDenied):
        services.add_action_item(member, meeting.id, "Yo hago")


# --- lists -----------------------------------------------------------------------------------

def test_list_filters_by_group_status_dates_and_title(app):
    member = factories.user()
    base = datetime(2031, 1, 10, 15, tzinfo=timezone.utc)
    a = factories.meeting("ethics", title="Ética: arranque", starts_at=base)
    b = factories.meeting("ethics", title="Ética: cierre", starts_at=base + timedelta(days=30), status="cancelled")
    c = factories.meeting("data", title="Datos abiertos", starts_at=base + timedelta(days=10))
    ids = lambda filters: [m.id for m in services.list_meetings(member, filters, 1, 25).items]  # noqa: E731
    assert ids(services.MeetingFilters()) == [a.id, c.id, b.id]
    assert ids(services.MeetingFilters(group="ethics")) == [a.id, b.id]
    assert ids(services.MeetingFilters(status="cancelled")) == [b.id]
    assert ids(services.MeetingFilters(starts_from=base + timedelta(days=1))) == [c.id, b.id]
    assert ids(services.MeetingFilters(starts_to=base + timedelta(days=10))) == [a.id, c.id]
    assert ids(services.MeetingFilters(q="ARRANQUE")) == [a.id]
    assert ids(services.MeetingFilters(q="cierre")) == [b.id]
    assert ids(services.MeetingFilters(q="100%_")) == []
    assert ids(services.MeetingFilters(newest_first=True)) == [b.id, c.id, a.id]
    page = services.list_meetings(member, services.MeetingFilters(), 2, 2)
    assert page.total == 3 and [m.id for m in page.items] == [b.id]


@pytest.mark.parametrize("filters", [
    services.MeetingFilters(status="postponed"),
    services.MeetingFilters(starts_from=datetime(2031, 1, 1)),
    services.MeetingFilters(starts_to=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))),
    services.MeetingFilters(starts_from="2031-01-01"),
    services.MeetingFilters(q="x" * 500),
])
def test_bad_filters_are_refused(app, filters):
    with pytest.raises(ValidationError):
        services.list_meetings(factories.user(), filters, 1, 25)


def test_upcoming_for_shows_the_next_scheduled_meetings_of_my_groups(app):
    now = datetime(2031, 1, 1, tzinfo=timezone.utc)
    me = factories.user(groups={"ethics": "member", "data": "member"})
    soon = factories.meeting("ethics", starts_at=now + timedelta(days=1))
    later = factories.meeting("data", starts_at=now + timedelta(days=5))
    factories.meeting("ethics", starts_at=now - timedelta(days=1))
    factories.meeting("ethics", starts_at=now + timedelta(days=2), status="cancelled")
    factories.meeting("governance", starts_at=now + timedelta(days=1))
    guest_of = factories.meeting("skills", starts_at=now + timedelta(days=3), invitees=[me])
    assert services.upcoming_for(me, now=now) == [soon, guest_of, later]
    assert services.upcoming_for(me, limit=1, now=now) == [soon]


def test_meetings_of_group_splits_upcoming_and_past(app):
    now = datetime(2031, 1, 1, tzinfo=timezone.utc)
    old = factories.meeting("ethics", starts_at=now - timedelta(days=30))
    recent = factories.meeting("ethics", starts_at=now - timedelta(days=1))
    soon = factories.meeting("ethics", starts_at=now + timedelta(days=1))
    factories.meeting("data", starts_at=now + timedelta(days=1))
    result = services.meetings_of_group(factories.group("ethics"), upcoming_limit=5, past_limit=1, now=now)
    assert result.upcoming == [soon]
    assert result.past == [recent]
    assert old not in result.past
    upcoming, past = result
    assert (upcoming, past) == ([soon], [recent])


def test_lead_deletes_a_meeting_scheduled_by_mistake_with_an_audit_record(app):
    from coalition.audit.models import AuditEntry
    from coalition.meetings.models import Meeting
    lead = factories.user(groups={"ethics": "lead"})
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    services.delete_meeting(lead, meeting.id)
    db.session.commit()
    assert db.session.get(Meeting, meeting.id) is None
    assert db.session.query(AuditEntry).filter_by(action="meeting.delete").count() == 1


HISTORY = {
    "minutes": lambda lead, meeting, member: services.save_minutes(lead, meeting.id, "Acuerdos"),
    "decision": lambda lead, meeting, member: services.add_decision(lead, meeting.id, "Se aprueba la guía"),
    "action item": lambda lead, meeting, member: services.add_action_item(lead, meeting.id, "Circular el acta"),
    "attendance": lambda lead, meeting, member: services.record_attendance(lead, meeting.id, {member.id: "excused"}),
}


def _history_rows(meeting_id: int) -> int:
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.meeting_id == meeting_id))
               for model in (MinutesRevision, Decision, ActionItem, Attendance))


@pytest.mark.parametrize("kind", sorted(HISTORY))
def test_a_meeting_with_history_cannot_be_deleted_only_cancelled(app, kind):
    lead, meeting = _lead_and_meeting()
    member = factories.user(groups={"ethics": "member"})
    db.session.add(Attendance(meeting_id=meeting.id, user_id=member.id, status="invited"))
    HISTORY[kind](lead, meeting, member)
    db.session.commit()
    rows = _history_rows(meeting.id)
    with pytest.raises(Conflict) as refused:
        services.delete_meeting(lead, meeting.id)
    with force_locale("en"):
        assert "Cancel it instead" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id) is not None and _history_rows(meeting.id) == rows
    assert "meeting.delete" not in _audit_actions(meeting)
    services.cancel_meeting(lead, meeting.id)
    db.session.commit()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"


def test_a_held_meeting_with_history_is_refused_without_offering_to_cancel(app):
    lead, meeting = _lead_and_meeting(starts_at=factories.days_ago(1))
    services.mark_held(lead, meeting.id)
    services.save_minutes(lead, meeting.id, "Acuerdos")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.delete_meeting(lead, meeting.id)
    with force_locale("en"):
        message = str(refused.value.message)
    assert "cannot be deleted" in message and "Cancel" not in message


def test_a_meeting_with_only_invitations_is_deleted_with_them(app):
    lead, meeting = _lead_and_meeting()
    factories.user(groups={"ethics": "member"})
    db.session.add(Attendance(meeting_id=meeting.id, user_id=factories.user().id, status="invited"))
    db.session.commit()
    meeting_id = meeting.id
    services.delete_meeting(lead, meeting_id)
    db.session.commit()
    assert db.session.get(Meeting, meeting_id) is None and _history_rows(meeting_id) == 0


@pytest.mark.parametrize("model", [MinutesRevision, Decision, ActionItem, Attendance])
def test_the_database_refuses_to_delete_a_meeting_with_history(app, model):
    _lead, meeting = _lead_and_meeting()
    row = {MinutesRevision: lambda: MinutesRevision(meeting_id=meeting.id, body="Acta"),
           Decision: lambda: Decision(meeting_id=meeting.id, text="Se aprueba"),
           ActionItem: lambda: ActionItem(meeting_id=meeting.id, text="Circular"),
           Attendance: lambda: Attendance(meeting_id=meeting.id, user_id=factories.user().id, status="attended")}
    db.session.add(row[model]())
    db.session.commit()
    for table, column in (("meetings", "id"), ("working_groups", "id")):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :id"),
                               {"id": meeting.id if table == "meetings" else meeting.group_id})
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.meeting_id == meeting.id))


def test_the_database_refuses_to_delete_a_person_or_institution_with_attendance(app):
    institution = factories.institution()
    person = factories.user(institution_id=institution.id)
    meeting = factories.meeting("ethics", invitees=[person])
    db.session.commit()
    for table, row_id in (("users", person.id), ("institutions", institution.id)):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE id = :id"), {"id": row_id})
        db.session.rollback()
    assert db.session.scalars(sa.select(Attendance.institution_id).where(Attendance.meeting_id == meeting.id)).all() \
        == [institution.id]


def test_member_cannot_delete_a_meeting(app):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics")
    with pytest.raises(PermissionDenied):
        services.delete_meeting(member, meeting.id)
