import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.extensions import db
from coalition.meetings import services
from coalition.meetings.models import Attendance, Meeting
from tests import factories
from tests.conftest import login, post_form

LATER = datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc)  # 10:00 in Mexico City


def _lead_client(client, **user_values):
    lead = factories.user(groups={"ethics": "lead"}, **user_values)
    db.session.commit()
    login(client, lead)
    return lead


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- access ----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    meeting = factories.meeting()
    db.session.commit()
    for path in ("/meetings", f"/meetings/{meeting.id}", f"/meetings/{meeting.id}.ics",
                 "/groups/ethics/meetings/new", f"/meetings/{meeting.id}/edit"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path


def test_unknown_meeting_is_not_found(client):
    _lead_client(client)
    for path in ("/meetings/999999", "/meetings/999999.ics", "/meetings/999999/edit"):
        assert client.get(path).status_code == 404, path
    assert client.get("/groups/nope/meetings/new").status_code == 404
    response = post_form(client, "/meetings/999999/cancel", {}, form_page="/meetings")
    assert response.status_code == 404


def test_post_without_csrf_token_is_refused(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/cancel")
    assert response.status_code == 400
    assert db.session.get(Meeting, meeting.id).status == "scheduled"


def test_member_sees_no_manage_controls(client):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    db.session.commit()
    login(client, member)
    html = _page(client.get(f"/meetings/{meeting.id}"))
    assert meeting.title in html
    assert 'name="body"' not in html
    assert f"/meetings/{meeting.id}/edit" not in html
    assert f'name="status-{member.id}"' not in html
    assert f"/meetings/{meeting.id}.ics" in html
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert client.get("/groups/ethics/meetings/new").status_code == 403


def test_member_cannot_record_attendance(client):
    member = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[member])
    db.session.commit()
    login(client, member)
    page = f"/meetings/{meeting.id}"
    for path, data in [
        (f"{page}/attendance", {f"status-{member.id}": "attended"}),
        (f"{page}/minutes", {"body": "Mi acta"}),
        (f"{page}/decisions", {"text": "Decido yo"}),
        (f"{page}/actions", {"text": "Hago yo"}),
        (f"{page}/cancel", {}),
        (f"{page}/held", {}),
        (f"{page}/minutes/publish", {}),
        (f"{page}/invitees", {"user_id": str(member.id)}),
    ]:
        assert post_form(client, path, data, form_page=page).status_code == 403, path
    assert db.session.scalar(sa.select(Attendance.status).where(Attendance.user_id == member.id)) == "invited"


# --- list ------------------------------------------------------------------------------------

def test_list_shows_upcoming_meetings_soonest_first(client):
    _lead_client(client)
    now = datetime.now(timezone.utc)
    factories.meeting("ethics", title="Reunión pasada", starts_at=now - timedelta(days=3))
    factories.meeting("data", title="Reunión lejana", starts_at=now + timedelta(days=20))
    factories.meeting("ethics", title="Reunión próxima", starts_at=now + timedelta(days=2))
    db.session.commit()
    html = _page(client.get("/meetings"))
    assert "Reunión pasada" not in html
    assert html.index("Reunión próxima") < html.index("Reunión lejana")
    past = _page(client.get("/meetings?when=past"))
    assert "Reunión pasada" in past and "Reunión próxima" not in past
    filtered = _page(client.get("/meetings?group=data&when=all"))
    assert "Reunión lejana" in filtered and "Reunión próxima" not in filtered


def test_list_has_a_clear_empty_state_and_survives_odd_filters(client):
    _lead_client(client)
    response = client.get("/meetings")
    assert response.status_code == 200
    assert "/groups/ethics/meetings/new" in _page(response)  # a lead is offered to schedule one
    for query in ("?q=nada", "?group=nope", "?status=bogus", "?from=ayer&to=2031-13-45", "?page=abc&per_page=-3",
                  "?when=never", "?from=2031-01-01&to=2031-12-31", "?q=" + "x" * 5000,
                  "?from=0001-01-01&to=9999-12-31", "?group=" + "g" * 100):
        response = client.get("/meetings" + query)
        assert response.status_code == 200, query
        assert "alert" in _page(response) or "card p-4 text-center" in _page(response), query


# --- detail ----------------------------------------------------------------------------------

def test_meeting_page_shows_time_in_the_viewers_timezone(client):
    viewer = factories.user(timezone="Asia/Tokyo", language="en")
    meeting = factories.meeting("ethics", starts_at=LATER, duration_minutes=90,
                                location="https://meet.example.org/etica", agenda="**Bienvenida**")
    db.session.commit()
    login(client, viewer)
    html = _page(client.get(f"/meetings/{meeting.id}"))
    assert "01:00" in html and "02:30" in html  # 16:00 UTC is 01:00 the next day in Tokyo
    assert "90 minutes" in html
    assert 'href="https://meet.example.org/etica"' in html
    assert "<strong>Bienvenida</strong>" in html
    assert 'href="/groups/ethics"' in html


def test_minutes_markdown_is_sanitised(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    body = "# Acta\n\n<script>alert('x')</script>\n\n[clic](javascript:alert(1)) <img src=x onerror=alert(1)>"
    response = post_form(client, f"/meetings/{meeting.id}/minutes", {"body": body}, form_page=f"/meetings/{meeting.id}")
    assert response.status_code == 302
    html = _page(client.get(f"/meetings/{meeting.id}"))
    assert "<h1>Acta</h1>" in html
    assert "<script>alert" not in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    # The raw text is still there, escaped, in the editor.
    assert "&lt;script&gt;" in html


def test_lead_writes_keeps_and_publishes_minutes(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    assert post_form(client, f"{page}/minutes", {"body": "Primera versión"}, form_page=page).status_code == 302
    assert post_form(client, f"{page}/minutes", {"body": "Segunda versión"}, form_page=page).status_code == 302
    html = _page(client.get(page))
    assert "Segunda versión" in html and "Primera versión" in html  # the history keeps the first
    assert len(services.minutes_revisions(meeting)) == 2
    assert post_form(client, f"{page}/minutes/publish", {}, form_page=page).status_code == 302
    html = _page(client.get(page))
    assert 'name="body"' not in html
    response = post_form(client, f"{page}/minutes", {"body": "Tercera"}, form_page=page)
    assert response.status_code == 422
    assert len(services.minutes_revisions(meeting)) == 2


def test_empty_minutes_show_an_error_beside_the_field(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    response = post_form(client, f"/meetings/{meeting.id}/minutes", {"body": ""}, form_page=f"/meetings/{meeting.id}")
    assert response.status_code == 422
    assert 'id="body-error"' in _page(response)


def test_lead_records_attendance_with_one_select_per_invitee(client):
    lead = _lead_client(client)
    guest = factories.user(institution_id=factories.institution(sector="industry", acronym="ACME").id)
    meeting = factories.meeting("ethics", invitees=[lead, guest],
                                starts_at=datetime.now(timezone.utc) - timedelta(hours=3))
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    html = _page(client.get(page))
    assert f'name="status-{guest.id}"' in html and f'name="status-{lead.id}"' in html
    response = post_form(client, f"{page}/attendance",
                         {f"status-{guest.id}": "attended", f"status-{lead.id}": "excused"}, form_page=page)
    assert response.status_code == 302
    statuses = dict(db.session.execute(
        sa.select(Attendance.user_id, Attendance.status).where(Attendance.meeting_id == meeting.id)).all())
    assert statuses == {guest.id: "attended", lead.id: "excused"}
    html = _page(client.get(page))
    assert "ACME" in html
    bad = post_form(client, f"{page}/attendance", {f"status-{guest.id}": "sleeping", "status-abc": "attended"},
                    form_page=page)
    assert bad.status_code == 422


def test_lead_adds_decisions_and_toggles_action_items(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    assert post_form(client, f"{page}/decisions", {"text": "Adoptar los principios"}, form_page=page).status_code == 302
    response = post_form(client, f"{page}/actions", {"text": "Circular el documento", "assignee_id": str(lead.id),
                                                     "due_date": "2031-06-01"}, form_page=page)
    assert response.status_code == 302
    item = meeting.action_items[0]
    assert item.assignee_id == lead.id and not item.done
    assert post_form(client, f"{page}/actions/{item.id}/done", {"done": "1"}, form_page=page).status_code == 302
    db.session.refresh(item)
    assert item.done
    html = _page(client.get(page))
    assert "Adoptar los principios" in html and "Circular el documento" in html
    assert post_form(client, f"{page}/decisions", {"text": "x" * 2001}, form_page=page).status_code == 422
    assert post_form(client, f"{page}/actions", {"text": "y", "assignee_id": "abc", "due_date": "mañana"},
                     form_page=page).status_code == 422
    assert post_form(client, f"{page}/actions/{item.id}/done", {"done": "maybe"}, form_page=page).status_code == 422
    assert post_form(client, f"{page}/actions/999999/done", {"done": "1"}, form_page=page).status_code == 404


def test_lead_invites_another_person(client):
    lead = _lead_client(client)
    guest = factories.user(groups={"data": "member"})
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    assert post_form(client, f"{page}/invitees", {"user_id": str(guest.id)}, form_page=page).status_code == 302
    assert db.session.scalar(sa.select(Attendance).where(Attendance.user_id == guest.id)).meeting_id == meeting.id
    assert post_form(client, f"{page}/invitees", {"user_id": "999999"}, form_page=page).status_code == 422


def test_cancel_and_mark_held(client):
    _lead_client(client)
    past = factories.meeting("ethics", starts_at=datetime.now(timezone.utc) - timedelta(hours=2))
    future = factories.meeting("ethics")
    db.session.commit()
    assert post_form(client, f"/meetings/{past.id}/held", {}, form_page=f"/meetings/{past.id}").status_code == 302
    assert post_form(client, f"/meetings/{future.id}/held", {}, form_page=f"/meetings/{future.id}").status_code == 422
    assert post_form(client, f"/meetings/{future.id}/cancel", {}, form_page=f"/meetings/{future.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, past.id).status == "held"
    assert db.session.get(Meeting, future.id).status == "cancelled"
    assert db.session.get(Meeting, future.id).ical_sequence == 1
    # A cancelled meeting's edit page sends people back to it.
    assert client.get(f"/meetings/{future.id}/edit").status_code == 302


# --- scheduling and editing ------------------------------------------------------------------

def _meeting_form(**values) -> dict:
    return {"title": "Sesión plenaria", "starts_at": "2031-05-06T10:00", "duration_minutes": "90",
            "location": "Sala 1", "agenda": "1. Bienvenida", **values}


def test_new_meeting_time_is_read_in_the_viewers_timezone(client):
    lead = _lead_client(client)
    member = factories.user(groups={"ethics": "member"})
    db.session.commit()
    response = post_form(client, "/groups/ethics/meetings/new", _meeting_form())
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title == "Sesión plenaria"))
    assert meeting.starts_at == datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc)  # Mexico City is UTC-6
    assert meeting.organiser_id == lead.id
    assert {a.user_id for a in meeting.attendance} == {lead.id, member.id}
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")


def test_new_meeting_time_follows_a_non_mexican_timezone(client):
    _lead_client(client, timezone="Europe/Madrid")
    response = post_form(client, "/groups/ethics/meetings/new", _meeting_form(starts_at="2031-07-01T18:30"))
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.starts_at == datetime(2031, 7, 1, 16, 30, tzinfo=timezone.utc)  # CEST is UTC+2


@pytest.mark.parametrize("values, bad_field", [
    ({"starts_at": "mañana a las 10"}, "starts_at"),
    ({"starts_at": ""}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T23:59"}, "starts_at"),
    ({"duration_minutes": "0"}, "duration_minutes"),
    ({"duration_minutes": "1441"}, "duration_minutes"),
    ({"duration_minutes": "una hora"}, "duration_minutes"),
    ({"title": "x" * 5000}, "title"),
    ({"title": "   "}, "title"),
    ({"location": "x" * 301}, "location"),
])
def test_bad_input_shows_errors_beside_fields(client, values, bad_field):
    _lead_client(client)
    response = post_form(client, "/groups/ethics/meetings/new", _meeting_form(**values))
    assert response.status_code == 422
    html = _page(response)
    assert f'id="{bad_field}-error"' in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_edit_form_round_trips_the_version_and_local_time(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", starts_at=LATER, invitees=[lead])
    db.session.commit()
    html = _page(client.get(f"/meetings/{meeting.id}/edit"))
    assert 'value="2031-05-06T10:00"' in html
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html)
    assert version and int(version.group(1) or version.group(2)) == meeting.version
    response = post_form(client, f"/meetings/{meeting.id}/edit",
                         _meeting_form(starts_at="2031-05-06T12:00", version=str(meeting.version)))
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert moved.starts_at == datetime(2031, 5, 6, 18, 0, tzinfo=timezone.utc)
    assert moved.ical_sequence == 1


def test_saving_the_edit_form_untouched_does_not_move_the_meeting(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead], starts_at=LATER + timedelta(seconds=17, microseconds=5))
    db.session.commit()
    html = _page(client.get(f"/meetings/{meeting.id}/edit"))
    local = re.search(r'name="starts_at"[^>]*value="([^"]+)"', html).group(1)
    response = post_form(client, f"/meetings/{meeting.id}/edit",
                         _meeting_form(title=meeting.title, starts_at=local, duration_minutes="60",
                                       location=meeting.location, agenda="", version=str(meeting.version)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).ical_sequence == 0


def test_list_filters_by_dates_in_the_viewers_timezone(client):
    _lead_client(client)
    # 2031-03-01 03:00 UTC is still 28 February in Mexico City.
    factories.meeting("ethics", title="Último de febrero", starts_at=datetime(2031, 3, 1, 3, 0, tzinfo=timezone.utc))
    factories.meeting("ethics", title="Primero de marzo", starts_at=datetime(2031, 3, 1, 18, 0, tzinfo=timezone.utc))
    db.session.commit()
    html = _page(client.get("/meetings?from=2031-03-01&to=2031-03-31"))
    assert "Primero de marzo" in html and "Último de febrero" not in html
    html = _page(client.get("/meetings?from=2031-02-28&to=2031-02-28"))
    assert "Último de febrero" in html and "Primero de marzo" not in html


def test_stale_version_is_a_conflict(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", starts_at=LATER, invitees=[lead])
    db.session.commit()
    stale = meeting.version
    services.edit_meeting(lead, meeting.id, version=stale, title="Cambio de la otra persona")
    db.session.commit()
    response = post_form(client, f"/meetings/{meeting.id}/edit", _meeting_form(title="Mi cambio", version=str(stale)))
    assert response.status_code == 409
    html = _page(response)
    assert "Cambio de la otra persona" in html  # their change, shown
    assert 'value="Mi cambio"' in html  # mine, kept in the form
    assert f'value="{stale + 1}"' in html  # saving again now overwrites knowingly
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Cambio de la otra persona"
    again = post_form(client, f"/meetings/{meeting.id}/edit", _meeting_form(title="Mi cambio", version=str(stale + 1)))
    assert again.status_code == 302


def test_edit_without_a_version_is_refused(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    response = post_form(client, f"/meetings/{meeting.id}/edit", _meeting_form(version="abc"))
    assert response.status_code == 422


# --- calendar file ---------------------------------------------------------------------------

def test_ics_download_is_an_attachment(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename=meeting-{meeting.id}.ics"
    assert b"BEGIN:VCALENDAR" in response.data and meeting.ical_uid.encode() in response.data


# --- deleting: only what has no history ------------------------------------------------------

def test_a_meeting_with_history_is_not_deleted_and_the_page_says_to_cancel_it(client):
    lead = _lead_client(client, language="en")
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    services.add_decision(lead, meeting.id, "Se aprueba la guía")
    db.session.commit()
    page = _page(client.get(f"/meetings/{meeting.id}"))
    assert f"/meetings/{meeting.id}/delete" not in page and "Cancel it instead." in page
    response = post_form(client, f"/meetings/{meeting.id}/delete", {}, form_page=f"/meetings/{meeting.id}")
    assert response.status_code == 409
    assert "cannot be deleted. Cancel it instead." in _page(response)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id) is not None


def test_a_meeting_without_history_is_deleted_from_its_page(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    meeting_id = meeting.id
    assert f"/meetings/{meeting_id}/delete" in _page(client.get(f"/meetings/{meeting_id}"))
    response = post_form(client, f"/meetings/{meeting_id}/delete", {}, form_page=f"/meetings/{meeting_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/ethics")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


# --- pages rendered once per content stay exact ----------------------------------------------

def test_the_list_shows_a_change_at_once_in_each_viewers_language_and_timezone(client):
    lead = _lead_client(client, language="en", timezone="America/Mexico_City")
    meeting = factories.meeting("ethics", invitees=[lead], starts_at=LATER, title="Primera sesión")
    db.session.commit()
    path = "/meetings?group=ethics&when=all&per_page=100"
    assert "Primera sesión" in _page(client.get(path))
    services.edit_meeting(lead, meeting.id, version=meeting.version, title="Sesión renombrada")
    db.session.commit()
    html = _page(client.get(path))
    assert "Sesión renombrada" in html and "Primera sesión" not in html
    assert "10:00" in html and "Scheduled" in html

    tokyo = factories.user(timezone="Asia/Tokyo", language="es")
    db.session.commit()
    other = client.application.test_client()
    login(other, tokyo)
    html = _page(other.get(path))
    cell = re.search(r'<td class="text-nowrap"><time[^>]*>([^<]*)</time>', html).group(1)
    assert cell.endswith(" 1:00") and "7/5/31" in cell  # 16:00 UTC on May 6 is 01:00 on May 7 in Tokyo
    assert "Programada" in html


def test_the_list_is_rendered_once_per_content_and_never_shows_one_viewers_controls_to_another(client, monkeypatch):
    from coalition.meetings import views

    lead = _lead_client(client, language="en")
    factories.meeting("ethics", invitees=[lead], starts_at=LATER, title="Primera sesión")
    member = factories.user(groups={"ethics": "member"}, language="en")
    db.session.commit()
    views._list_bodies.clear()
    bodies = []
    render = views.render_template

    def counting(name, **context):
        bodies.extend([name] if name == "meetings/_index_body.html" else [])
        return render(name, **context)

    monkeypatch.setattr(views, "render_template", counting)
    path = "/meetings?group=ethics&when=all"
    assert "Schedule a meeting" in _page(client.get(path))
    again = _page(client.get(path))
    assert "Schedule a meeting" in again and "Primera sesión" in again and len(bodies) == 1

    other = client.application.test_client()
    login(other, member)
    html = _page(other.get(path))
    assert "Primera sesión" in html and "Schedule a meeting" not in html and len(bodies) == 2
    assert "Primera sesión" in _page(other.get(path + "&page=1")) and len(bodies) == 3  # its links keep the query


def test_a_meetings_content_is_rendered_once_per_input_and_carries_each_viewers_own_token(client, monkeypatch):
    from coalition.meetings import views

    lead = _lead_client(client, language="en")
    meeting = factories.meeting("ethics", invitees=[lead], starts_at=LATER, title="Sesión de ética")
    db.session.commit()
    views._detail_bodies.clear()
    bodies = []
    render = views.render_template

    def counting(name, **context):
        bodies.extend([name] if name == "meetings/_detail_body.html" else [])
        return render(name, **context)

    monkeypatch.setattr(views, "render_template", counting)
    page = f"/meetings/{meeting.id}"
    first = _page(client.get(page))
    assert "Record decision" in first and len(bodies) == 1
    # The same person in a second session: the content is kept, the token is that session's own and works.
    second = client.application.test_client()
    login(second, lead)
    html = _page(second.get(page))
    assert len(bodies) == 1 and views._TOKEN_SLOT not in html
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
    assert len(tokens) == 1 and tokens.isdisjoint(re.findall(r'name="csrf_token" value="([^"]+)"', first))
    response = second.post(f"{page}/decisions", data={"text": "Aprobar la guía", "csrf_token": tokens.pop()})
    assert response.status_code == 302
    # What changed shows at once, to everyone: a new input is a new rendering.
    assert "Aprobar la guía" in _page(client.get(page)) and len(bodies) == 2
    meeting.title = "Sesión renombrada"
    db.session.commit()
    assert "Sesión renombrada" in _page(second.get(page)) and len(bodies) == 3
    # A member who does not run the group gets a content of their own: no forms, no token slot.
    member = factories.user(groups={"ethics": "member"}, language="en")
    db.session.commit()
    other = client.application.test_client()
    login(other, member)
    html = _page(other.get(page))
    assert "Aprobar la guía" in html and f"{page}/decisions" not in html and len(bodies) == 4
    assert views._TOKEN_SLOT not in html


def test_the_attendance_table_shows_recorded_attendance_and_renamed_people_at_once(client):
    lead = _lead_client(client, language="en")
    guest = factories.user(name="Beto Invitado", institution_id=factories.institution().id)
    meeting = factories.meeting("ethics", invitees=[lead, guest], starts_at=LATER)
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    assert re.search(rf'<option value="invited" selected>', _page(client.get(page)))
    response = post_form(client, f"{page}/attendance", {f"status-{guest.id}": "excused"}, form_page=page)
    assert response.status_code == 302
    html = _page(client.get(page))
    select = re.search(rf'name="status-{guest.id}">(.*?)</select>', html, re.S).group(1)
    assert '<option value="excused" selected>' in select
    guest.name = "Beto Renombrado"
    db.session.commit()
    html = _page(client.get(page))
    assert "Beto Renombrado" in html and "Beto Invitado" not in html
    # A member who does not run the group sees the same statuses as text, without a form.
    member = factories.user(groups={"ethics": "member"}, language="en")
    db.session.commit()
    other = client.application.test_client()
    login(other, member)
    html = _page(other.get(page))
    assert f'name="status-{guest.id}"' not in html and "Excused" in html


def test_the_invitee_picker_follows_new_people_and_invitations(client):
    lead = _lead_client(client)
    meeting = factories.meeting("ethics", invitees=[lead], starts_at=LATER)
    db.session.commit()
    page = f"/meetings/{meeting.id}"
    _page(client.get(page))
    newcomer = factories.user(name="Carla Recién Llegada")
    db.session.commit()
    assert f'<option value="{newcomer.id}">Carla Recién Llegada' in _page(client.get(page))
    assert post_form(client, f"{page}/invitees", {"user_id": newcomer.id}, form_page=page).status_code == 302
    html = _page(client.get(page))
    picker = re.search(r'<select[^>]*name="user_id"[^>]*>(.*?)</select>', html, re.S)
    assert picker is None or f'value="{newcomer.id}"' not in picker.group(1)


def _meeting_pages_queries(client, size: int) -> dict[str, int]:
    from tests.test_query_counts import count_queries

    lead = factories.user(groups={"ethics": "lead"}, institution_id=factories.institution().id)
    people = [factories.user(institution_id=factories.institution().id) for _ in range(size)]
    for n in range(size):
        factories.meeting("ethics", starts_at=LATER + timedelta(days=n))
    meeting = factories.meeting("ethics", invitees=[lead, *people], organiser_id=lead.id, starts_at=LATER,
                                agenda="\n".join(f"{n}. Punto {n}" for n in range(size)))
    db.session.commit()
    for n, person in enumerate(people):
        services.record_attendance(lead, meeting.id, {person.id: ("attended", "absent", "excused")[n % 3]})
        services.add_decision(lead, meeting.id, f"Acuerdo {n}")
        services.add_action_item(lead, meeting.id, f"Pendiente {n}", assignee_id=person.id)
        services.save_minutes(lead, meeting.id, f"# Minuta {n}")
    db.session.commit()
    counts = {}
    for who in (lead, people[0]):
        client = client.application.test_client()
        login(client, who)
        role = "lead" if who is lead else "invitee"
        for name, path in (("list", "/meetings?group=ethics&when=all&per_page=100"),
                           ("meeting", f"/meetings/{meeting.id}"), ("ics", f"/meetings/{meeting.id}.ics")):
            with count_queries() as statements:
                assert client.get(path).status_code == 200, path
            counts[f"{role} {name}"] = len(statements)
    return counts


@pytest.mark.parametrize("size", [3, 30])
def test_meeting_pages_issue_a_fixed_number_of_queries(client, size):
    counts = _meeting_pages_queries(client, size)
    # The same for 3 and 30 invitees, meetings, decisions, action items and revisions; no N+1.
    assert counts == {"lead list": 5, "lead meeting": 10, "lead ics": 4,
                      "invitee list": 5, "invitee meeting": 8, "invitee ics": 4}, counts
