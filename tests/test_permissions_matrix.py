"""Every route × every role gets exactly what SPEC's Roles table says.

The matrix is built from the app's URL map: a route without a rule here fails the suite.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from coalition import create_app
from coalition.auth.models import User
from coalition.deliverables.models import Milestone
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.meetings.models import ActionItem, MinutesRevision
from tests import factories
from tests.analysis import factories as analysis_factories
from tests.conftest import csrf_token
from tests.consultations.helpers import form_data as consultation_form_data
from tests.consultations.helpers import matrix_world as consultation_world
from tests.recommendations.conftest import matrix_world
from tests.policy import matrix_world as policy_world

ROLES = ("anonymous", "member", "other", "lead", "coordinator", "admin")
OK = "ok"

# Who may do what (SPEC's Roles table); "ok" means 200 or a redirect after success.
EVERYONE = {role: OK for role in ROLES}
READ = {**EVERYONE, "anonymous": "login"}
SELF = READ
UPDATE_G = {"anonymous": "login", "member": OK, "other": 403, "lead": OK, "coordinator": OK, "admin": OK}
MANAGE_G = {"anonymous": "login", "member": 403, "other": 403, "lead": OK, "coordinator": OK, "admin": OK}
MEMBERSHIPS_G = MANAGE_G
INVITE = MANAGE_G
COORDINATORS = {"anonymous": "login", "member": 403, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}
GROUP_DASHBOARD = MANAGE_G
ADMINS = {"anonymous": "login", "member": 403, "other": 403, "lead": 403, "coordinator": 403, "admin": OK}
# An institution's own people (the member's) and coordinators.
OWN_INSTITUTION = {"anonymous": "login", "member": OK, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}
NOT_FOUND = {role: 404 for role in ROLES}
# Issue 15, policy uptake: the matrix's "member" is a liaison of Jalisco (tests.policy.matrix_world), so recording
# Jalisco's instruments and engagements reads OK for them, 403 for other members and leads; coordinators decide.
LIAISON_JAL = {"anonymous": "login", "member": OK, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}
# An archived deliverable: coordinators and admins only; to everyone else it does not exist.
ARCHIVED = {"anonymous": "login", "member": 404, "other": 404, "lead": 404, "coordinator": OK, "admin": OK}


@dataclass
class World:
    ids: dict = field(default_factory=dict)


def build_world() -> dict:
    ethics_inst = factories.institution(name="Universidad de Prueba", sector="academia")
    people = {
        "member": factories.user(groups={"ethics": "member"}, institution_id=ethics_inst.id),
        "other": factories.user(groups={"governance": "member"}),
        "lead": factories.user(groups={"ethics": "lead"}),
        "coordinator": factories.user(role="coordinator"),
        "admin": factories.user(role="admin"),
    }
    outsider = factories.user()
    filler = factories.user(groups={"ethics": "member"})
    _import_consultation()  # made here, so that no check counts it as written by the request
    deliverable = factories.deliverable("ethics", owner=people["member"])
    archived = factories.deliverable("ethics", owner=people["member"], archived_at=factories.days_ago(1))
    milestone = Milestone(deliverable_id=deliverable.id, title="Hito", progress=10)
    db.session.add(milestone)
    # Started two hours ago, with draft minutes: it can be marked held and its minutes published.
    meeting = factories.meeting("ethics", invitees=[people["member"]], starts_at=factories.days_ago(0.1))
    item = ActionItem(meeting_id=meeting.id, text="Enviar la minuta")
    db.session.add_all([item, MinutesRevision(meeting_id=meeting.id, body="Borrador", author_id=people["lead"].id)])
    db.session.flush()
    filler_membership = db.session.query(GroupMembership).filter_by(user_id=filler.id).one()
    recommendations_world = matrix_world(people)  # issue 13: the agenda
    analysis = analysis_factories.world(people)
    policy = policy_world(people)  # issue 15: makes the member a liaison of Jalisco
    db.session.commit()
    return {
        "people": people, "deliverable": deliverable.id, "version": deliverable.version, "archived": archived.id,
        "milestone": milestone.id, "meeting": meeting.id, "meeting_version": meeting.version,
        "item": item.id, "institution": ethics_inst.id, "outsider": outsider.id,
        "filler_membership": filler_membership.id, "ethics": factories.group("ethics").id,
        **consultation_world(),
        **recommendations_world,
        **analysis,
        **policy,
    }


def fresh_world(snapshot, name: str = "permissions-world", build=None) -> dict:
    """What `build` (build_world) returns, its rows built once per run and copied on SQLite (conftest's snapshot)."""
    def plain() -> dict:
        world = (build or build_world)()
        return {**world, "people": {role: person.id for role, person in world["people"].items()}}

    world = snapshot(name, plain)
    return {**world, "people": {role: db.session.get(User, id) for role, id in world["people"].items()}}


def _import_consultation() -> str:
    """A closed consultation with one free-text question, made on first use (for the contributions routes)."""
    import sqlalchemy as sa

    from coalition.consultations.models import Consultation, Question
    from coalition.database import utcnow

    slug = "matriz-importacion"
    if db.session.scalar(sa.select(Consultation.id).where(Consultation.slug == slug)) is None:
        found = Consultation(slug=slug, title_es="Consulta", title_en="Consultation", phase="open",
                             opens_at=utcnow() - timedelta(days=30), closes_at=utcnow() - timedelta(days=1))
        db.session.add(found)
        db.session.flush()
        db.session.add(Question(consultation_id=found.id, position=1, prompt_es="¿Qué?", prompt_en="What?"))
        db.session.commit()
    return slug


def institution_form(w):
    return {"name": "Centro Nuevo de IA", "sector": "industry", "state": "NLE", "joined_on": "2024-02-01",
            "active": "y"}


def meeting_form(w):
    return {"title": "Sesión", "starts_at": "2031-03-04T10:00", "duration_minutes": "60", "location": "CDMX",
            "agenda": "1. Bienvenida"}


# endpoint -> {method: (path builder, form builder or None, expectations)}
RULES = {
    "static": {"GET": (lambda w: "/static/css/app.css", None, EVERYONE)},
    "home.index": {"GET": (lambda w: "/", None, READ)},
    "home.healthz": {"GET": (lambda w: "/healthz", None, EVERYONE)},
    "home.readyz": {"GET": (lambda w: "/readyz", None, EVERYONE)},
    "metrics": {"GET": (lambda w: "/metrics", None, NOT_FOUND)},
    "auth.login": {
        "GET": (lambda w: "/login", None, EVERYONE),
        # A wrong password re-shows the form; someone logged in is sent home.
        "POST": (lambda w: "/login", lambda w: {"email": "nobody@example.org", "password": "wrong password"},
                 {**EVERYONE, "anonymous": 422})},
    "auth.logout": {"GET": (lambda w: "/logout", None, EVERYONE), "POST": (lambda w: "/logout", {}, EVERYONE)},
    "auth.settings": {
        "GET": (lambda w: "/settings", None, SELF),
        "POST": (lambda w: "/settings", lambda w: {
            "name": "Nombre Nuevo", "language": "en", "timezone": "America/Tijuana", "digest_frequency": "daily",
            "digest_weekday": "2", "digest_hour": "9"}, SELF)},
    "auth.change_password": {"POST": (lambda w: "/settings/password", lambda w: {
        "current_password": factories.PASSWORD, "new_password": "una frase larga y nueva",
        "confirm": "una frase larga y nueva"}, SELF)},
    "auth.end_session": {"POST": (lambda w: "/settings/sessions/999999/end", lambda w: {},
                                  {**NOT_FOUND, "anonymous": "login"})},
    "auth.end_other_sessions": {"POST": (lambda w: "/settings/sessions/end-others", lambda w: {}, SELF)},
    "auth.change_language": {"POST": (lambda w: "/settings/language", lambda w: {"language": "en"}, EVERYONE)},
    "auth.revoke_token": {"POST": (lambda w: "/settings/tokens/999999/revoke", lambda w: {},
                                   {**NOT_FOUND, "anonymous": "login"})},
    "auth.forgot_password": {
        "GET": (lambda w: "/password/forgot", None, EVERYONE),
        "POST": (lambda w: "/password/forgot", lambda w: {"email": "nobody@example.org"}, EVERYONE)},
    "auth.reset_password": {
        "GET": (lambda w: "/password/reset/not-a-token", None, {role: 404 for role in ROLES}),
        "POST": (lambda w: "/password/reset/not-a-token", lambda w: {"password": "p" * 12, "confirm": "p" * 12},
                 {role: 404 for role in ROLES})},
    "notifications.digest_settings": {
        "GET": (lambda w: "/settings/digest", None, SELF),
        "POST": (lambda w: "/settings/digest", lambda w: {"digest_frequency": "daily", "digest_weekday": "2",
                                                          "digest_hour": "9"}, SELF)},
    "notifications.unsubscribe_page": {"GET": (lambda w: "/unsubscribe/not-a-token", None, NOT_FOUND)},
    "notifications.unsubscribe": {"POST": (lambda w: "/unsubscribe/not-a-token", lambda w: {}, NOT_FOUND)},
    "auth.users": {"GET": (lambda w: "/admin/users", None, ADMINS)},
    "audit.index": {"GET": (lambda w: "/admin/audit?family=auth", None, ADMINS)},
    "auth.reauthenticate": {
        "GET": (lambda w: "/reauthenticate?next=/admin/users", None, SELF),
        "POST": (lambda w: "/reauthenticate", lambda w: {"password": "wrong password here"},
                 {**{role: 422 for role in ROLES}, "anonymous": "login"})},
    "auth.user_detail": {
        "GET": (lambda w: f"/admin/users/{w['outsider']}", None, ADMINS),
        "POST": (lambda w: f"/admin/users/{w['outsider']}", lambda w: {
            "role": "coordinator", "institution_id": "0", "active": "y"}, ADMINS)},
    "auth.sign_out_user": {"POST": (lambda w: f"/admin/users/{w['outsider']}/sign-out", lambda w: {}, ADMINS)},
    "auth.invite": {
        "GET": (lambda w: "/invitations/new", None, INVITE),
        "POST": (lambda w: "/invitations/new", lambda w: {
            "email": "nueva@example.org", "name": "Persona Nueva", "role": "member", "institution_id": "0",
            "group_id": str(w["ethics"])}, INVITE)},
    "auth.accept_invitation": {
        "GET": (lambda w: "/invitations/" + "x" * 43, None, NOT_FOUND),
        "POST": (lambda w: "/invitations/" + "x" * 43, lambda w: {"name": "X", "password": "p" * 12,
                                                                  "confirm": "p" * 12}, NOT_FOUND)},
    "groups.index": {"GET": (lambda w: "/groups", None, READ)},
    "groups.detail": {"GET": (lambda w: "/groups/ethics", None, READ)},
    "groups.add_member": {"POST": (lambda w: "/groups/ethics/members", lambda w: {
        "user_id": str(w["outsider"]), "role": "member"}, MEMBERSHIPS_G)},
    "groups.remove_member": {"POST": (
        lambda w: f"/groups/ethics/members/{w['filler_membership']}/remove", lambda w: {}, MEMBERSHIPS_G)},
    "groups.set_leads": {"POST": (lambda w: "/groups/ethics/leads", lambda w: {
        "institution_ids": str(w["institution"])}, COORDINATORS)},
    "dashboards.coalition": {"GET": (lambda w: "/dashboard", None, COORDINATORS)},
    "dashboards.group": {"GET": (lambda w: "/groups/ethics/dashboard", None, GROUP_DASHBOARD)},
    "dashboards.coalition_csv": {"GET": (lambda w: "/dashboard/overdue.csv", None, COORDINATORS)},
    "dashboards.group_csv": {"GET": (lambda w: "/groups/ethics/dashboard/balance.csv", None, GROUP_DASHBOARD)},
    "institutions.index": {"GET": (lambda w: "/institutions", None, READ)},
    "institutions.detail": {"GET": (lambda w: f"/institutions/{w['institution']}", None, READ)},
    "institutions.create": {
        "GET": (lambda w: "/institutions/new", None, COORDINATORS),
        "POST": (lambda w: "/institutions/new", institution_form, COORDINATORS)},
    "institutions.edit": {
        "GET": (lambda w: f"/institutions/{w['institution']}/edit", None, COORDINATORS),
        "POST": (lambda w: f"/institutions/{w['institution']}/edit", institution_form, COORDINATORS)},
    # Spreadsheet imports and exports (coalition/imports): coordinators and admins; people imports
    # also ask for a recent password, which a fresh login is. A preview id that is not the
    # person's own is a 404.
    "imports.institutions_upload": {
        "GET": (lambda w: "/institutions/import", None, COORDINATORS),
        "POST": (lambda w: "/institutions/import", lambda w: {
            "file": (io.BytesIO("nombre;sector;estado\nCentro Importado;academia;JAL\n".encode()), "i.csv")},
            COORDINATORS)},
    "imports.institutions_preview": {
        "GET": (lambda w: "/institutions/import/not-a-preview", None, {**COORDINATORS, "coordinator": 404,
                                                                       "admin": 404}),
        "POST": (lambda w: "/institutions/import/not-a-preview", lambda w: {}, {**COORDINATORS, "coordinator": 404,
                                                                                "admin": 404})},
    "imports.institutions_csv": {"GET": (lambda w: "/institutions.csv", None, COORDINATORS)},
    "imports.people_upload": {
        "GET": (lambda w: "/people/import", None, COORDINATORS),
        "POST": (lambda w: "/people/import", lambda w: {
            "file": (io.BytesIO(b"email,name\nimportada@example.org,Persona Importada\n"), "p.csv")},
            COORDINATORS)},
    "imports.people_preview": {
        "GET": (lambda w: "/people/import/not-a-preview", None, {**COORDINATORS, "coordinator": 404, "admin": 404}),
        "POST": (lambda w: "/people/import/not-a-preview", lambda w: {}, {**COORDINATORS, "coordinator": 404,
                                                                          "admin": 404})},
    "imports.people_csv": {"GET": (lambda w: "/people.csv", None, COORDINATORS)},
    # A consultation's contributions: coordinators import paper; every member downloads the export.
    "imports.contributions_upload": {
        "GET": (lambda w: f"/consultations/{_import_consultation()}/import", None, COORDINATORS),
        "POST": (lambda w: f"/consultations/{_import_consultation()}/import", lambda w: {
            "file": (io.BytesIO(b"external_id,sector,state,q1\nT-1,academia,JAL,Datos abiertos\n"), "c.csv")},
            COORDINATORS)},
    "imports.contributions_preview": {
        "GET": (lambda w: f"/consultations/{_import_consultation()}/import/not-a-preview", None,
                {**COORDINATORS, "coordinator": 404, "admin": 404}),
        "POST": (lambda w: f"/consultations/{_import_consultation()}/import/not-a-preview", lambda w: {},
                 {**COORDINATORS, "coordinator": 404, "admin": 404})},
    "imports.contributions_csv": {"GET": (lambda w: f"/consultations/{_import_consultation()}/contributions.csv",
                                          None, READ)},
    # Issue 15: instruments and engagements — coordinators and state liaisons (the matrix's member) import (a liaison's rows of
    # another state are row errors: tests/imports/test_instruments.py); every member downloads them.
    "imports.instruments_upload": {
        "GET": (lambda w: "/instruments/import", None, LIAISON_JAL),
        "POST": (lambda w: "/instruments/import", lambda w: {
            "file": (io.BytesIO("tipo;jurisdicción;poder;título\nley;federal;legislativo;Ley de IA\n".encode()),
                     "i.csv")}, LIAISON_JAL)},
    "imports.instruments_preview": {
        "GET": (lambda w: "/instruments/import/not-a-preview", None, {**LIAISON_JAL, "member": 404, "coordinator": 404,
                                                                      "admin": 404}),
        "POST": (lambda w: "/instruments/import/not-a-preview", lambda w: {}, {**LIAISON_JAL, "member": 404, "coordinator": 404,
                                                                               "admin": 404})},
    "imports.instruments_csv": {"GET": (lambda w: "/instruments.csv", None, READ)},
    "imports.instruments_xlsx": {"GET": (lambda w: "/instruments.xlsx", None, READ)},
    "imports.engagements_upload": {
        "GET": (lambda w: "/engagements/import", None, LIAISON_JAL),
        "POST": (lambda w: "/engagements/import", lambda w: {
            "file": (io.BytesIO(b"kind,title,held_on,jurisdiction,body\nforum,Foro,2024-10-03,JAL,Congreso\n"),
                     "e.csv")}, LIAISON_JAL)},
    "imports.engagements_preview": {
        "GET": (lambda w: "/engagements/import/not-a-preview", None, {**LIAISON_JAL, "member": 404, "coordinator": 404,
                                                                      "admin": 404}),
        "POST": (lambda w: "/engagements/import/not-a-preview", lambda w: {}, {**LIAISON_JAL, "member": 404, "coordinator": 404,
                                                                               "admin": 404})},
    "imports.engagements_csv": {"GET": (lambda w: "/engagements.csv", None, READ)},
    "imports.engagements_xlsx": {"GET": (lambda w: "/engagements.xlsx", None, READ)},
    "deliverables.index": {"GET": (lambda w: "/deliverables?group=ethics", None, READ)},
    # Issue 14: the public portal is the same for everyone, signed in or not; what is not published (a
    # draft recommendation, results not yet published) is a 404 for everyone.
    "portal.home": {"GET": (lambda w: "/public", None, EVERYONE)},
    "portal.agenda": {"GET": (lambda w: "/public/agenda", None, EVERYONE)},
    "portal.members": {"GET": (lambda w: "/public/members", None, EVERYONE)},
    "portal.group": {"GET": (lambda w: "/public/groups/ethics", None, EVERYONE)},
    "portal.recommendation": {"GET": (lambda w: f"/public/recommendations/{w['recommendation']}", None, NOT_FOUND)},
    "portal.consultation": {"GET": (lambda w: f"/public/consultations/{w['consultation_slug']}", None, NOT_FOUND)},
    "portal.data": {"GET": (lambda w: "/public/data", None, EVERYONE)},
    "portal.data_file": {"GET": (lambda w: "/public/data/recommendations.csv", None, EVERYONE)},
    "portal.schema": {"GET": (lambda w: "/public/data/schema/recommendations.json", None, EVERYONE)},
    "portal.feed": {"GET": (lambda w: "/public/feed.atom", None, EVERYONE)},
    "portal.sitemap": {"GET": (lambda w: "/sitemap.xml", None, EVERYONE)},
    "portal.robots": {"GET": (lambda w: "/robots.txt", None, EVERYONE)},
    # Issue 15: the states' map and pages, and a published instrument, are the same for everyone.
    "portal.states": {"GET": (lambda w: "/public/states?measure=instruments", None, EVERYONE)},
    "portal.state": {"GET": (lambda w: "/public/states/jal", None, EVERYONE)},
    "portal.instrument": {"GET": (lambda w: "/public/instruments/{}".format(
        __import__("tests.portal.test_instrument_page", fromlist=["_"]).html_world(w)["portal_instrument"]),
        None, EVERYONE)},
    # Issue 14: what the public portal shows.
    "deliverables.portal": {"POST": (lambda w: f"/deliverables/{w['deliverable']}/portal", lambda w: {
        "public": "y", "public_summary_es": "Resumen público", "completion_override": "",
        "version": str(w["version"])}, COORDINATORS)},
    # The member's own institution: its people and coordinators decide whether the portal names it.
    "institutions.listing": {"POST": (lambda w: f"/institutions/{w['institution']}/listing",
                                      lambda w: {"listed": "y"}, OWN_INSTITUTION)},
    # The open consultation's results cannot be published yet; taking them off is allowed any time.
    "consultations.results": {"POST": (lambda w: f"/consultations/{w['consultation_slug']}/results",
                                       lambda w: {}, COORDINATORS)},
    "deliverables.detail": {
        "GET": (lambda w: f"/deliverables/{w['deliverable']}", None, READ),
        "POST": (lambda w: f"/deliverables/{w['deliverable']}", lambda w: {
            "status": "in_review", "progress": "70", "note": "Avance", "version": str(w["version"])}, UPDATE_G)},
    "deliverables.create": {
        "GET": (lambda w: "/groups/ethics/deliverables/new", None, MANAGE_G),
        "POST": (lambda w: "/groups/ethics/deliverables/new", lambda w: {
            "title": "Nuevo entregable", "owner_id": str(w["people"]["member"].id),
            "due_date": (factories.today() + timedelta(days=40)).isoformat()}, MANAGE_G)},
    "deliverables.edit": {
        "GET": (lambda w: f"/deliverables/{w['deliverable']}/edit", None, MANAGE_G),
        "POST": (lambda w: f"/deliverables/{w['deliverable']}/edit", lambda w: {
            "title": "Título editado", "owner_id": str(w["people"]["member"].id),
            "due_date": (factories.today() + timedelta(days=50)).isoformat(), "version": str(w["version"])}, MANAGE_G)},
    "deliverables.delete": {"POST": (lambda w: f"/deliverables/{w['deliverable']}/delete", lambda w: {}, MANAGE_G)},
    "deliverables.restore": {"POST": (lambda w: f"/deliverables/{w['archived']}/restore", lambda w: {}, ARCHIVED)},
    "deliverables.add_milestone": {"POST": (lambda w: f"/deliverables/{w['deliverable']}/milestones", lambda w: {
        "title": "Otro hito", "progress": "0"}, MANAGE_G)},
    "deliverables.update_milestone": {"POST": (
        lambda w: f"/deliverables/{w['deliverable']}/milestones/{w['milestone']}",
        lambda w: {"title": "Hito", "weight": "", "progress": "40"}, UPDATE_G)},
    "deliverables.delete_milestone": {"POST": (
        lambda w: f"/deliverables/{w['deliverable']}/milestones/{w['milestone']}/delete", lambda w: {}, MANAGE_G)},
    "meetings.index": {"GET": (lambda w: "/meetings", None, READ)},
    "meetings.detail": {"GET": (lambda w: f"/meetings/{w['meeting']}", None, READ)},
    "meetings.calendar_file": {"GET": (lambda w: f"/meetings/{w['meeting']}.ics", None, READ)},
    "meetings.new": {
        "GET": (lambda w: "/groups/ethics/meetings/new", None, MANAGE_G),
        "POST": (lambda w: "/groups/ethics/meetings/new", meeting_form, MANAGE_G)},
    "meetings.edit": {
        "GET": (lambda w: f"/meetings/{w['meeting']}/edit", None, MANAGE_G),
        "POST": (lambda w: f"/meetings/{w['meeting']}/edit",
                 lambda w: {**meeting_form(w), "version": str(w["meeting_version"])}, MANAGE_G)},
    "meetings.cancel": {"POST": (lambda w: f"/meetings/{w['meeting']}/cancel", lambda w: {}, MANAGE_G)},
    # The matrix meeting has minutes: deleting it is refused (409) for everyone who may manage it.
    "meetings.delete": {"POST": (lambda w: f"/meetings/{w['meeting']}/delete", lambda w: {},
                                 {**MANAGE_G, "lead": 409, "coordinator": 409, "admin": 409})},
    "meetings.held": {"POST": (lambda w: f"/meetings/{w['meeting']}/held", lambda w: {}, MANAGE_G)},
    "meetings.minutes": {"POST": (lambda w: f"/meetings/{w['meeting']}/minutes", lambda w: {
        "body": "## Acuerdos\n\n- Uno"}, MANAGE_G)},
    "meetings.publish": {"POST": (lambda w: f"/meetings/{w['meeting']}/minutes/publish", lambda w: {}, MANAGE_G)},
    "meetings.attendance": {"POST": (lambda w: f"/meetings/{w['meeting']}/attendance", lambda w: {
        f"status-{w['people']['member'].id}": "attended"}, MANAGE_G)},
    "meetings.invite": {"POST": (lambda w: f"/meetings/{w['meeting']}/invitees", lambda w: {
        "user_id": str(w["people"]["lead"].id)}, MANAGE_G)},
    "meetings.decisions": {"POST": (lambda w: f"/meetings/{w['meeting']}/decisions", lambda w: {
        "text": "Se aprueba la guía"}, MANAGE_G)},
    "meetings.actions": {"POST": (lambda w: f"/meetings/{w['meeting']}/actions", lambda w: {
        "text": "Circular el borrador", "assignee_id": "0"}, MANAGE_G)},
    "meetings.action_done": {"POST": (lambda w: f"/meetings/{w['meeting']}/actions/{w['item']}/done", lambda w: {
        "done": "1"}, MANAGE_G)},
    # Consultations (issue 13): the public list, form and receipts need no login; coordinators run them.
    "consultations.index": {"GET": (lambda w: "/consultations", None, EVERYONE)},
    "consultations.detail": {
        "GET": (lambda w: f"/consultations/{w['consultation_slug']}", None, EVERYONE),
        "POST": (lambda w: f"/consultations/{w['consultation_slug']}", lambda w: {
            **consultation_form_data(), f"r{w['commented_recommendation']}": "Un comentario"}, EVERYONE)},
    "consultations.receipt": {"GET": (lambda w: f"/receipts/{w['receipt_code']}", None, EVERYONE)},
    "consultations.new": {
        "GET": (lambda w: "/consultations/new", None, COORDINATORS),
        "POST": (lambda w: "/consultations/new", lambda w: {
            "slug": "nueva", "title_es": "Nueva", "title_en": "New", "kind": "questions",
            "opens_at": "2031-03-01T09:00", "closes_at": "2031-04-01T09:00"}, COORDINATORS)},
    "consultations.edit": {
        "GET": (lambda w: f"/consultations/{w['draft_slug']}/edit", None, COORDINATORS),
        "POST": (lambda w: f"/consultations/{w['draft_slug']}/edit", lambda w: {
            "slug": w["draft_slug"], "title_es": "Editada", "title_en": "Edited", "kind": "questions",
            "opens_at": "2031-03-01T09:00", "closes_at": "2031-04-01T09:00"}, COORDINATORS)},
    "consultations.phase": {"POST": (lambda w: f"/consultations/{w['draft_slug']}/phase",
                                     lambda w: {"phase": "open"}, COORDINATORS)},
    "consultations.questions": {
        "GET": (lambda w: f"/consultations/{w['draft_slug']}/questions", None, COORDINATORS),
        "POST": (lambda w: f"/consultations/{w['draft_slug']}/questions", lambda w: {
            "kind": "text", "prompt_es": "¿Otra?", "prompt_en": "Another?"}, COORDINATORS)},
    "consultations.edit_question": {
        "GET": (lambda w: f"/consultations/{w['draft_slug']}/questions/{w['draft_question']}", None, COORDINATORS),
        "POST": (lambda w: f"/consultations/{w['draft_slug']}/questions/{w['draft_question']}", lambda w: {
            "kind": "text", "prompt_es": "¿Cambiada?", "prompt_en": "Changed?"}, COORDINATORS)},
    "consultations.move_question": {"POST": (
        lambda w: f"/consultations/{w['draft_slug']}/questions/{w['draft_question']}/move",
        lambda w: {"direction": "down"}, COORDINATORS)},
    "consultations.delete_question": {"POST": (
        lambda w: f"/consultations/{w['draft_slug']}/questions/{w['draft_question']}/delete", lambda w: {},
        COORDINATORS)},
    "consultations.recommendations": {
        "GET": (lambda w: f"/consultations/{w['draft_slug']}/recommendations", None, COORDINATORS),
        "POST": (lambda w: f"/consultations/{w['draft_slug']}/recommendations", lambda w: {
            "recommendation_ids": str(w["spare_recommendation"])}, COORDINATORS)},
    # Issue 13: the agenda (leads of ethics edit its recommendations; coordinators decide).
    "recommendations.index": {"GET": (lambda w: "/recommendations?area=ethics", None, READ)},
    "recommendations.detail": {"GET": (lambda w: f"/recommendations/{w['recommendation']}", None, READ)},
    "recommendations.new": {
        "GET": (lambda w: f"/recommendations/new?consultation={w['rec_consultation']}&theme={w['rec_theme']}",
                None, MANAGE_G),
        "POST": (lambda w: "/recommendations/new", lambda w: {
            "group": "ethics", "area": "ethics", "horizon": "short", "title_es": "Nueva",
            "themes": str(w["rec_theme"])}, MANAGE_G)},
    "recommendations.edit": {
        "GET": (lambda w: f"/recommendations/{w['recommendation']}/edit", None, MANAGE_G),
        "POST": (lambda w: f"/recommendations/{w['recommendation']}/edit", lambda w: {
            "group": "ethics", "area": "data", "horizon": "long", "title_es": "Editada",
            "version": str(w["recommendation_version"])}, MANAGE_G)},
    "recommendations.decision": {"POST": (lambda w: f"/recommendations/{w['recommendation']}/decision", lambda w: {
        "state": "adopted", "answer_es": "La adoptamos", "published": "y",
        "version": str(w["recommendation_version"])}, COORDINATORS)},
    "recommendations.state": {"POST": (lambda w: f"/recommendations/{w['recommendation']}/state", lambda w: {
        "state": "in_consultation", "version": str(w["recommendation_version"])}, MANAGE_G)},
    "recommendations.sources": {"POST": (lambda w: f"/recommendations/{w['recommendation']}/sources", lambda w: {
        "themes": str(w["rec_theme"]), "contributions": str(w["rec_contribution"])}, MANAGE_G)},
    "recommendations.merge": {"POST": (lambda w: f"/recommendations/{w['recommendation']}/merge", lambda w: {
        "into": str(w["other_recommendation"]), "answer_es": "Se une"}, COORDINATORS)},
    "recommendations.split": {"POST": (lambda w: f"/recommendations/{w['recommendation']}/split", lambda w: {
        "titles": "Uno\nDos"}, MANAGE_G)},
    "recommendations.link_deliverable": {"POST": (
        lambda w: f"/recommendations/{w['recommendation']}/deliverables", lambda w: {
            "deliverable_id": str(w["deliverable"])}, MANAGE_G)},
    "recommendations.unlink_deliverable": {"POST": (
        lambda w: f"/recommendations/{w['recommendation']}/deliverables/{w['rec_deliverable']}/remove",
        lambda w: {}, MANAGE_G)},
    # Analysis of a consultation of the ethics group (issue 13).
    "analysis.themes": {
        "GET": (lambda w: f"/consultations/{w['consultation']}/themes", None, READ),
        "POST": (lambda w: f"/consultations/{w['consultation']}/themes", lambda w: {
            "name_es": "Salud", "name_en": "Health"}, MANAGE_G)},
    "analysis.edit_theme": {
        "GET": (lambda w: f"/consultations/{w['consultation']}/themes/{w['theme']}/edit", None, MANAGE_G),
        "POST": (lambda w: f"/consultations/{w['consultation']}/themes/{w['theme']}/edit", lambda w: {
            "name_es": "Educación digital", "name_en": "Digital education"}, MANAGE_G)},
    "analysis.coding": {
        "GET": (lambda w: f"/consultations/{w['consultation']}/coding", None, UPDATE_G),
        "POST": (lambda w: f"/consultations/{w['consultation']}/coding", lambda w: {
            "contribution_id": str(w["contribution"]), "themes": str(w["theme"]), "action": "save"}, UPDATE_G)},
    "analysis.contributions": {"GET": (lambda w: f"/consultations/{w['consultation']}/contributions", None, READ)},
    "analysis.contribution": {
        "GET": (lambda w: f"/consultations/{w['consultation']}/contributions/{w['contribution']}", None, READ)},
    "analysis.hide": {"POST": (lambda w: f"/consultations/{w['consultation']}/contributions/{w['contribution']}/hide",
                               lambda w: {"reason": "Publicidad"}, MANAGE_G)},
    "analysis.unhide": {"POST": (
        lambda w: f"/consultations/{w['consultation']}/contributions/{w['hidden_contribution']}/unhide",
        lambda w: {}, {**MANAGE_G, "member": 404, "other": 404})},
    "analysis.figures": {"GET": (lambda w: f"/consultations/{w['consultation']}/figures", None, READ)},
    # Issue 15: state chapters. Every member reads and follows them; coordinators name and remove liaisons.
    "states.index": {"GET": (lambda w: "/states?measure=members_per_million", None, READ)},
    "states.detail": {"GET": (lambda w: "/states/jal", None, READ)},
    "states.follow": {"POST": (lambda w: "/states/JAL/follow", lambda w: {"following": "1"}, READ)},
    "states.appoint_liaison": {"POST": (lambda w: "/states/JAL/liaisons", lambda w: {
        "user_id": str(w["outsider"])}, COORDINATORS)},
    "states.remove_liaison": {"POST": (lambda w: f"/states/JAL/liaisons/{w['outsider']}/remove", lambda w: {},
                                       COORDINATORS)},
}




def policy_instrument_form(w):
    return {"kind": "strategy", "jurisdiction": "JAL", "branch": "executive", "title_es": "Estrategia Jalisco IA",
            "source_url": "https://jalisco.gob.mx/ia", "version": str(w["instrument_version"])}


def policy_engagement_form(w):
    return {"kind": "forum", "title": "Foro estatal", "held_on": factories.today().isoformat(), "jurisdiction": "JAL",
            "body": "Congreso de Jalisco", "institution_ids": str(w["institution"]), "position": "Texto",
            "version": str(w["engagement_version"])}


RULES.update({
    "policy.index": {"GET": (lambda w: "/instruments?kind=strategy&state=jal", None, READ)},
    "policy.instrument": {"GET": (lambda w: f"/instruments/{w['instrument']}", None, READ)},
    "policy.new_instrument": {"GET": (lambda w: "/instruments/new", None, LIAISON_JAL),
                              "POST": (lambda w: "/instruments/new", policy_instrument_form, LIAISON_JAL)},
    "policy.edit_instrument": {"GET": (lambda w: f"/instruments/{w['instrument']}/edit", None, LIAISON_JAL),
                               "POST": (lambda w: f"/instruments/{w['instrument']}/edit", policy_instrument_form,
                                        LIAISON_JAL)},
    "policy.add_stage": {"POST": (lambda w: f"/instruments/{w['instrument']}/stages", lambda w: {
        "stage": "in_committee", "on": factories.today().isoformat()}, LIAISON_JAL)},
    "policy.link_uptake": {"POST": (lambda w: f"/instruments/{w['instrument']}/uptakes", lambda w: {
        "recommendation_id": str(w["recommendation"]), "degree": "partial",
        "evidence_url": "https://congresojal.gob.mx/dictamen.pdf"}, LIAISON_JAL)},
    "policy.publish_instrument": {"POST": (lambda w: f"/instruments/{w['instrument']}/publish", lambda w: {
        "value": "1"}, COORDINATORS)},
    "policy.follow_instrument": {"POST": (lambda w: f"/instruments/{w['instrument']}/follow", lambda w: {
        "value": "1"}, READ)},
    "policy.engagements": {"GET": (lambda w: "/engagements?state=JAL", None, READ)},
    "policy.engagement": {"GET": (lambda w: f"/engagements/{w['engagement']}", None, READ)},
    "policy.new_engagement": {"GET": (lambda w: f"/engagements/new?instrument={w['instrument']}", None, LIAISON_JAL),
                              "POST": (lambda w: "/engagements/new", policy_engagement_form, LIAISON_JAL)},
    "policy.edit_engagement": {"GET": (lambda w: f"/engagements/{w['engagement']}/edit", None, LIAISON_JAL),
                               "POST": (lambda w: f"/engagements/{w['engagement']}/edit", policy_engagement_form,
                                        LIAISON_JAL)},
    "policy.approve": {"POST": (lambda w: f"/engagements/{w['engagement']}/approve", lambda w: {
        "version": str(w["engagement_version"])}, COORDINATORS)},
    "policy.publish_engagement": {"POST": (lambda w: f"/engagements/{w['engagement']}/publish", lambda w: {
        "value": "1"}, COORDINATORS)},
    "policy.add_follow_up": {"POST": (lambda w: f"/engagements/{w['engagement']}/follow-ups", lambda w: {
        "text": "Enviar la propuesta", "due_on": ""}, LIAISON_JAL)},
    "policy.follow_up_done": {"POST": (
        lambda w: f"/engagements/{w['engagement']}/follow-ups/{w['follow_up']}/done", lambda w: {}, LIAISON_JAL)},
})


def _routes():
    app = create_app("testing")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # the JSON API has its own matrix: tests/api/test_api_matrix.py
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method


ROUTES = sorted(set(_routes()))


def test_every_route_has_a_rule():
    missing = [f"{method} {endpoint}" for endpoint, method in ROUTES
               if method not in RULES.get(endpoint, {})]
    assert not missing, f"routes without a permission rule in this matrix: {missing}"


# Who may do what is decided in the service layer the same way on either database: checked once.
@pytest.mark.one_database
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method", [r for r in ROUTES if r[1] in RULES.get(r[0], {})])
def test_route_role_matrix(app, snapshot, client, endpoint, method, role):
    world = fresh_world(snapshot)
    path_for, data_for, expected = RULES[endpoint][method]
    expectation = expected[role]
    if role != "anonymous":
        from tests.conftest import login
        login(client, world["people"][role])
    path = path_for(world)
    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client, "/login" if role == "anonymous" else "/settings")
        response = client.post(path, data={**(data_for(world) if data_for else {}), "csrf_token": token})
    status = response.status_code
    body = response.get_data()[:800].decode(errors="replace")  # a workbook is binary
    if expectation == OK:
        assert status in (200, 302, 303), f"{role} {method} {path} → {status}: {body}"
        if status in (302, 303):
            assert "/login" not in response.headers["Location"] or endpoint.startswith("auth.")
    elif expectation == "login":
        if method == "GET":
            assert status == 302 and "/login" in response.headers["Location"], f"{role} {method} {path} → {status}"
        else:
            assert status == 401, f"{role} {method} {path} → {status}: {body}"
    else:
        assert status == expectation, f"{role} {method} {path} → {status}: {body}"


def test_post_without_csrf_token_is_refused(app, client):
    world = build_world()
    from tests.conftest import login
    login(client, world["people"]["member"])
    response = client.post(f"/deliverables/{world['deliverable']}", data={"status": "done", "progress": "100"})
    assert response.status_code == 400
