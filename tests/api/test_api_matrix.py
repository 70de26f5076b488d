"""Every API route × every role gets what SPEC's Roles table says.

Built from the app's URL map, like the HTML matrix: an API route without a rule here fails.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from coalition import create_app
from tests import factories
from tests.consultations.helpers import good_data as consultation_body
from tests.test_permissions_matrix import ROLES, build_world, fresh_world

OK = "ok"
EVERYONE = {role: OK for role in ROLES}
READ = {**EVERYONE, "anonymous": 401}
SELF = READ
UPDATE_G = {"anonymous": 401, "member": OK, "other": 403, "lead": OK, "coordinator": OK, "admin": OK}
MANAGE_G = {"anonymous": 401, "member": 403, "other": 403, "lead": OK, "coordinator": OK, "admin": OK}
COORDINATORS = {"anonymous": 401, "member": 403, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}
NOT_FOUND = {**{role: 404 for role in ROLES}, "anonymous": 401}
ARCHIVED = {"anonymous": 401, "member": 404, "other": 404, "lead": 404, "coordinator": OK, "admin": OK}
OWN_INSTITUTION = {"anonymous": 401, "member": OK, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}


def later(days: int) -> str:
    return (factories.today() + timedelta(days=days)).isoformat()


def meeting_body(w):
    return {"group": "ethics", "title": "Sesión", "starts_at": "2031-03-04T10:00:00-06:00", "duration_minutes": 60,
            "location": "CDMX", "agenda": "1. Bienvenida"}


def institution_body(w):
    return {"name": "Centro Nuevo de IA", "sector": "industry", "state": "NLE", "joined_on": "2024-02-01"}


D = "/api/v1/deliverables/{deliverable}"
M = "/api/v1/meetings/{meeting}"

# --- Issue 15: states and policy uptake ----------------------------------------------------------
# Recording a state's instruments and engagements is for coordinators and that state's liaisons: in
# this matrix (only) the member is made liaison of Jalisco, so every policy route meets one.
LIAISON = {"anonymous": 401, "member": OK, "other": 403, "lead": 403, "coordinator": OK, "admin": OK}
INSTRUMENT = "/api/v1/instruments/{policy_instrument}"


def _policy_world() -> dict:
    """A Jalisco instrument and a federal one, and an engagement (the shared world already made the member
    Jalisco's liaison)."""
    from datetime import date

    from coalition.extensions import db
    from coalition.policy.models import Engagement, Instrument

    jalisco = Instrument(kind="strategy", jurisdiction="JAL", state="JAL", branch="executive",
                         title_es="Estrategia de IA de Jalisco", title_en="Jalisco AI strategy")
    federal = Instrument(kind="law", jurisdiction="federal", branch="legislative", title_es="Ley", title_en="Law")
    engagement = Engagement(kind="forum", title="Foro", held_on=date(2025, 3, 20), jurisdiction="JAL", state="JAL",
                            body="Congreso del Estado")
    db.session.add_all([jalisco, federal, engagement])
    db.session.commit()
    return {"policy_instrument": jalisco.id, "policy_instrument_version": jalisco.version,
            "policy_federal": federal.id, "policy_engagement": engagement.id}


_build_world_before_policy = build_world


def build_world() -> dict:  # noqa: F811 -- the shared world, with the policy rows above
    world = _build_world_before_policy()
    return {**world, **_policy_world()}


# (rule, method) -> (path, body builder or None, expectations)
RULES = {
    ("/api/openapi.json", "GET"): ("/api/openapi.json", None, EVERYONE),
    ("/api/v1/tokens", "POST"): ("/api/v1/tokens", "credentials", {**EVERYONE, "anonymous": 401}),
    ("/api/v1/tokens", "GET"): ("/api/v1/tokens", None, SELF),
    ("/api/v1/tokens/<int:token_id>", "DELETE"): ("/api/v1/tokens/999999", None, NOT_FOUND),
    ("/api/v1/me", "GET"): ("/api/v1/me", None, SELF),
    ("/api/v1/me", "PATCH"): ("/api/v1/me", lambda w: {"name": "Nombre Nuevo", "digest_hour": 9}, SELF),
    ("/api/v1/working-groups", "GET"): ("/api/v1/working-groups", None, READ),
    ("/api/v1/working-groups/<slug>", "GET"): ("/api/v1/working-groups/ethics", None, READ),
    ("/api/v1/working-groups/<slug>/members", "GET"): ("/api/v1/working-groups/ethics/members", None, READ),
    ("/api/v1/working-groups/<slug>/members", "POST"): (
        "/api/v1/working-groups/ethics/members", lambda w: {"user_id": w["outsider"], "role": "member"}, MANAGE_G),
    ("/api/v1/working-groups/<slug>/members/<int:membership_id>", "DELETE"): (
        "/api/v1/working-groups/ethics/members/{filler_membership}", None, MANAGE_G),
    ("/api/v1/working-groups/<slug>/lead-institutions", "PUT"): (
        "/api/v1/working-groups/ethics/lead-institutions", lambda w: {"institution_ids": [w["institution"]]},
        COORDINATORS),
    ("/api/v1/institutions", "GET"): ("/api/v1/institutions", None, READ),
    ("/api/v1/institutions", "POST"): ("/api/v1/institutions", institution_body, COORDINATORS),
    ("/api/v1/institutions/<int:institution_id>", "GET"): ("/api/v1/institutions/{institution}", None, READ),
    ("/api/v1/institutions/<int:institution_id>", "PATCH"): (
        "/api/v1/institutions/{institution}", lambda w: {"acronym": "NUEVA"}, COORDINATORS),
    ("/api/v1/people", "GET"): ("/api/v1/people", None, MANAGE_G),
    ("/api/v1/people/<int:person_id>", "GET"): ("/api/v1/people/{outsider}", None, MANAGE_G),
    ("/api/v1/invitations", "POST"): ("/api/v1/invitations", lambda w: {
        "email": "nueva@example.org", "name": "Persona Nueva", "group": "ethics"}, MANAGE_G),
    ("/api/v1/dashboard", "GET"): ("/api/v1/dashboard", None, COORDINATORS),
    ("/api/v1/deliverables", "GET"): ("/api/v1/deliverables?group=ethics", None, READ),
    ("/api/v1/deliverables", "POST"): ("/api/v1/deliverables", lambda w: {
        "group": "ethics", "title": "Nuevo entregable", "description": "", "owner_id": w["people"]["member"].id,
        "due_date": later(40)}, MANAGE_G),
    ("/api/v1/deliverables/<int:deliverable_id>", "GET"): (D, None, READ),
    ("/api/v1/deliverables/<int:deliverable_id>", "PATCH"): (
        D, lambda w: {"version": w["version"], "title": "Título editado"}, MANAGE_G),
    ("/api/v1/deliverables/<int:deliverable_id>", "DELETE"): (D, None, MANAGE_G),
    ("/api/v1/deliverables/<int:deliverable_id>/restore", "POST"): (
        "/api/v1/deliverables/{archived}/restore", None, ARCHIVED),
    ("/api/v1/deliverables/<int:deliverable_id>/updates", "GET"): (D + "/updates", None, READ),
    ("/api/v1/deliverables/<int:deliverable_id>/updates", "POST"): (
        D + "/updates", lambda w: {"status": "in_review", "progress": 70, "note": "Avance"}, UPDATE_G),
    ("/api/v1/deliverables/<int:deliverable_id>/milestones", "GET"): (D + "/milestones", None, READ),
    ("/api/v1/deliverables/<int:deliverable_id>/milestones", "POST"): (
        D + "/milestones", lambda w: {"title": "Otro hito", "weight": 2}, MANAGE_G),
    ("/api/v1/deliverables/<int:deliverable_id>/milestones/<int:milestone_id>", "PATCH"): (
        D + "/milestones/{milestone}", lambda w: {"progress": 40}, UPDATE_G),
    ("/api/v1/deliverables/<int:deliverable_id>/milestones/<int:milestone_id>", "DELETE"): (
        D + "/milestones/{milestone}", None, MANAGE_G),
    ("/api/v1/meetings", "GET"): ("/api/v1/meetings?group=ethics", None, READ),
    ("/api/v1/meetings", "POST"): ("/api/v1/meetings", meeting_body, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>", "GET"): (M, None, READ),
    ("/api/v1/meetings/<int:meeting_id>", "PATCH"): (
        M, lambda w: {"version": w["meeting_version"], "title": "Sesión movida"}, MANAGE_G),
    # The matrix meeting has minutes: deleting it is refused (409) for those who may manage it.
    ("/api/v1/meetings/<int:meeting_id>", "DELETE"): (M, None, {**MANAGE_G, "lead": 409, "coordinator": 409,
                                                              "admin": 409}),
    ("/api/v1/meetings/<int:meeting_id>/cancel", "POST"): (M + "/cancel", None, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/held", "POST"): (M + "/held", None, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/invitees", "POST"): (
        M + "/invitees", lambda w: {"user_id": w["people"]["lead"].id}, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/attendance", "GET"): (M + "/attendance", None, READ),
    ("/api/v1/meetings/<int:meeting_id>/attendance", "PUT"): (M + "/attendance", lambda w: {
        "attendance": [{"user_id": w["people"]["member"].id, "status": "attended"}]}, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/minutes", "GET"): (M + "/minutes", None, READ),
    ("/api/v1/meetings/<int:meeting_id>/minutes", "POST"): (
        M + "/minutes", lambda w: {"body": "## Acuerdos\n\n- Uno más"}, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/minutes/publish", "POST"): (M + "/minutes/publish", None, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/decisions", "GET"): (M + "/decisions", None, READ),
    ("/api/v1/meetings/<int:meeting_id>/decisions", "POST"): (
        M + "/decisions", lambda w: {"text": "Se aprueba la guía"}, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/action-items", "GET"): (M + "/action-items", None, READ),
    ("/api/v1/meetings/<int:meeting_id>/action-items", "POST"): (
        M + "/action-items", lambda w: {"text": "Circular el borrador"}, MANAGE_G),
    ("/api/v1/meetings/<int:meeting_id>/action-items/<int:item_id>", "PATCH"): (
        M + "/action-items/{item}", lambda w: {"done": True}, MANAGE_G),
    # Consultations (issue 13): public reading, contributions and receipts, no token needed.
    ("/api/v1/consultations", "GET"): ("/api/v1/consultations", None, EVERYONE),
    ("/api/v1/consultations/<slug>", "GET"): ("/api/v1/consultations/{consultation_slug}", None, EVERYONE),
    ("/api/v1/consultations/<slug>/contributions", "POST"): (
        "/api/v1/consultations/{consultation_slug}/contributions", lambda w: {
            **consultation_body(), "comments": {str(w["commented_recommendation"]): "Un comentario"}}, EVERYONE),
    ("/api/v1/receipts/<code>", "GET"): ("/api/v1/receipts/{receipt_code}", None, EVERYONE),
    # Issue 13: the agenda.
    ("/api/v1/recommendations", "GET"): ("/api/v1/recommendations?group=ethics&area=ethics", None, READ),
    ("/api/v1/recommendations", "POST"): ("/api/v1/recommendations", lambda w: {
        "group": "ethics", "area": "ethics", "horizon": "short", "title": "Nueva",
        "sources": {"themes": [w["rec_theme"]]}}, MANAGE_G),
    ("/api/v1/recommendations/<int:recommendation_id>", "GET"): ("/api/v1/recommendations/{recommendation}",
                                                                 None, READ),
    ("/api/v1/recommendations/<int:recommendation_id>", "PATCH"): (
        "/api/v1/recommendations/{recommendation}", lambda w: {"version": w["recommendation_version"],
                                                               "title": "Editada"}, MANAGE_G),
    ("/api/v1/recommendations/<int:recommendation_id>/trace", "GET"): (
        "/api/v1/recommendations/{recommendation}/trace", None, READ),
    # Analysis of a consultation of the ethics group (issue 13).
    ("/api/v1/consultations/<slug>/contributions", "GET"): (
        "/api/v1/consultations/{consultation}/contributions?q=educacion", None, READ),
    ("/api/v1/consultations/<slug>/themes", "GET"): ("/api/v1/consultations/{consultation}/themes", None, READ),
    ("/api/v1/consultations/<slug>/themes", "POST"): (
        "/api/v1/consultations/{consultation}/themes", lambda w: {"name_es": "Salud", "name_en": "Health"}, MANAGE_G),
    ("/api/v1/themes/<int:theme_id>", "PATCH"): ("/api/v1/themes/{theme}", lambda w: {"name_en": "Schools"}, MANAGE_G),
    ("/api/v1/contributions/<int:contribution_id>/themes", "PUT"): (
        "/api/v1/contributions/{contribution}/themes", lambda w: {"themes": [w["theme"]]}, UPDATE_G),
    ("/api/v1/contributions/<int:contribution_id>/hide", "POST"): (
        "/api/v1/contributions/{contribution}/hide", lambda w: {"reason": "Publicidad"}, MANAGE_G),
    ("/api/v1/contributions/<int:contribution_id>/unhide", "POST"): (
        "/api/v1/contributions/{hidden_contribution}/unhide", None, {**MANAGE_G, "member": 404, "other": 404}),
    ("/api/v1/consultations/<slug>/figures", "GET"): ("/api/v1/consultations/{consultation}/figures", None, READ),
    # Issue 15: states and policy uptake.
    ("/api/v1/states", "GET"): ("/api/v1/states", None, READ),
    ("/api/v1/states/<code>", "GET"): ("/api/v1/states/jal", None, READ),
    ("/api/v1/instruments", "GET"): ("/api/v1/instruments?state=JAL", None, READ),
    ("/api/v1/instruments", "POST"): ("/api/v1/instruments", lambda w: {
        "kind": "bill", "jurisdiction": "JAL", "branch": "legislative", "title": "Iniciativa de ley"}, LIAISON),
    ("/api/v1/instruments/<int:instrument_id>", "GET"): (INSTRUMENT, None, READ),
    ("/api/v1/instruments/<int:instrument_id>", "PATCH"): (
        INSTRUMENT, lambda w: {"version": w["policy_instrument_version"], "title": "Estrategia estatal"}, LIAISON),
    ("/api/v1/instruments/<int:instrument_id>/stages", "POST"): (
        INSTRUMENT + "/stages", lambda w: {"stage": "proposed", "on": later(0)}, LIAISON),
    ("/api/v1/instruments/<int:instrument_id>/uptakes", "POST"): (
        INSTRUMENT + "/uptakes", lambda w: {"recommendation_id": w["recommendation"], "degree": "partial"}, LIAISON),
    ("/api/v1/engagements", "GET"): ("/api/v1/engagements?state=JAL", None, READ),
    ("/api/v1/engagements", "POST"): ("/api/v1/engagements", lambda w: {
        "kind": "forum", "title": "Foro estatal", "held_on": "2025-03-20", "jurisdiction": "JAL",
        "body": "Gobierno de Jalisco"}, LIAISON),
    ("/api/v1/engagements/<int:engagement_id>", "GET"): ("/api/v1/engagements/{policy_engagement}", None, READ),
}


def _routes():
    app = create_app("testing")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.rule, method


ROUTES = sorted(set(_routes()))


def test_every_api_route_has_a_rule():
    missing = [f"{method} {rule}" for rule, method in ROUTES if (rule, method) not in RULES]
    assert not missing, f"API routes without a permission rule in this matrix: {missing}"


def _token(client, person) -> str:
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.json
    return response.json["token"]


# Who may do what is decided in the service layer the same way on either database: checked once.
@pytest.mark.one_database
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule,method", [r for r in ROUTES if r in RULES])
def test_api_route_role_matrix(app, snapshot, client, rule, method, role):
    world = fresh_world(snapshot, "api-world", build_world)
    path_template, body_for, expected = RULES[(rule, method)]
    path = path_template.format(**{k: v for k, v in world.items() if not isinstance(v, dict)})
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {_token(client, world['people'][role])}"
    if body_for == "credentials":
        person = world["people"].get(role)
        body = {"email": person.email if person else "nobody@example.org",
                "password": factories.PASSWORD if person else "wrong password"}
    else:
        body = body_for(world) if body_for else None
    response = client.open(path, method=method, json=body, headers=headers)
    status = response.status_code
    expectation = expected[role]
    detail = f"{role} {method} {path} → {status}: {response.get_data(as_text=True)[:600]}"
    if expectation == OK:
        assert status in (200, 201, 204), detail
    else:
        assert status == expectation, detail
        assert response.json["error"]["status"] == status, detail


# Fields of a route whose rule differs from the route's (issue 14: what the public portal shows).
FIELD_RULES = {
    "deliverable public": ("PATCH", D, lambda w: {
        "version": w["version"], "public": True, "public_summary": {"es": "Resumen público"}}, COORDINATORS),
    "deliverable completion": ("PATCH", D, lambda w: {
        "version": w["version"], "completion_override": "limited", "completion_note": "Falta adoptarla"}, COORDINATORS),
    # The member belongs to the world's institution: its own people may list it.
    "institution listed": ("PATCH", "/api/v1/institutions/{institution}", lambda w: {"listed": True},
                           OWN_INSTITUTION),
    # Another field with it still needs a coordinator.
    "institution listed with a name": ("PATCH", "/api/v1/institutions/{institution}", lambda w: {
        "listed": True, "acronym": "NUEVA"}, {**OWN_INSTITUTION, "member": 403}),
    # Federal and international records, and publishing, are for coordinators: a liaison gets 403.
    # (A route's field rules are checked on a 200: the federal instrument is edited, not given a stage.)
    "federal instrument": ("PATCH", "/api/v1/instruments/{policy_federal}", lambda w: {
        "version": 1, "title": "Ley de datos"}, COORDINATORS),
    "instrument published": ("PATCH", INSTRUMENT, lambda w: {
        "version": w["policy_instrument_version"], "published": True}, COORDINATORS),
}


# Who may do what is decided in the service layer the same way on either database: checked once.
@pytest.mark.one_database
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(FIELD_RULES))
def test_api_field_role_matrix(app, snapshot, client, name, role):
    world = fresh_world(snapshot, "api-world", build_world)
    method, path_template, body_for, expected = FIELD_RULES[name]
    path = path_template.format(**{k: v for k, v in world.items() if not isinstance(v, dict)})
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {_token(client, world['people'][role])}"
    response = client.open(path, method=method, json=body_for(world), headers=headers)
    detail = f"{role} {name} → {response.status_code}: {response.get_data(as_text=True)[:600]}"
    if expected[role] == OK:
        assert response.status_code == 200, detail
    else:
        assert response.status_code == expected[role], detail
