"""Schemathesis hooks for tests/api/test_schemathesis.py: a coordinator's bearer token, fetched again
as soon as a request with it is refused because the run itself revoked it (`DELETE /api/v1/tokens/{id}` is one of the operations it calls)."""
from __future__ import annotations

import os
import uuid

import requests
import schemathesis


_token: dict = {"value": None}


def _current_token() -> str:
    if _token["value"] is None:
        response = requests.post(f"{os.environ['COALITION_API_ORIGIN']}/api/v1/tokens", timeout=30, json={
            "email": os.environ["COALITION_API_EMAIL"], "password": os.environ["COALITION_API_PASSWORD"]})
        response.raise_for_status()
        _token["value"] = response.json()["token"]
    return _token["value"]


@schemathesis.auth()
class CoordinatorToken:
    def get(self, case, context):
        return _current_token()

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_current_token()}"}


@schemathesis.hook
def after_call(context, case, response):
    """The run revoked its own token (`DELETE /api/v1/tokens/{id}` is one of the operations): the
    next request gets a new one."""
    sent = (case.headers or {}).get("Authorization", "")
    if response.status_code == 401 and _token["value"] and sent.endswith(_token["value"]):
        _token["value"] = None


@schemathesis.hook
def before_call(context, case, kwargs):
    """A client sends a fresh Idempotency-Key per request (the document says so, its schema cannot):
    the generated key, which schemathesis repeats across bodies, is made unique, so a replay (422 for
    another body) is not mistaken for the API refusing valid data. Replays are tested in
    tests/test_idempotency.py."""
    fresh = None
    for headers in (case.headers, kwargs.get("headers")):  # the case, and the request built from it
        for name in list(headers or {}):
            if name.lower() == "idempotency-key" and isinstance(headers[name], str):
                fresh = fresh or f"{headers[name][:200]}-{uuid.uuid4()}"
                headers[name] = fresh


_answers_turn = {"n": 0}


@schemathesis.hook("before_call")
def fit_contribution_answers(context, case, kwargs):
    """Which questions a consultation asks is data, not schema: 9 bodies in 10 sent to the contributions
    endpoint get answers that fit the test consultation (tests/consultations/helpers.py: a required text
    q1, a one-choice q2), and keep everything else that was generated."""
    if case.method.upper() != "POST" or not case.path.endswith("/contributions"):
        return
    # The path's documented example names the closed demo consultation (which its GET reads): a
    # contribution goes to the open test consultation instead, so that the example can succeed.
    open_slug = os.environ.get("COALITION_API_OPEN_CONSULTATION")
    if open_slug and case.path_parameters.get("slug") == "consulta-nacional-ia":
        case.path_parameters["slug"] = open_slug
        if "url" in kwargs:
            kwargs["url"] = kwargs["url"].replace("/consulta-nacional-ia/contributions",
                                                  f"/{open_slug}/contributions")
    _answers_turn["n"] += 1
    if _answers_turn["n"] % 10 == 0:
        return
    for body in (case.body, kwargs.get("json")):
        if isinstance(body, dict):
            body["answers"] = {"q1": f"Respuesta {uuid.uuid4()}", "q2": 1}
            body["comments"] = {}
            if body.get("notify") and not body.get("email"):
                body["notify"] = False
@schemathesis.hook
def map_body(context, body):
    """Coding takes the ids of the consultation's own themes (another id is a 422, as documented), which a
    dictionary cannot put in a list of integers: the generated ids are mapped onto the run's themes."""
    operation = context.operation
    themes = [int(t) for t in os.environ.get("COALITION_API_THEMES", "").split(",") if t]
    if (operation is not None and themes and operation.method.upper() == "PUT"
            and operation.path.endswith("/contributions/{contribution_id}/themes")
            and isinstance(body, dict) and isinstance(body.get("themes"), list)
            and all(isinstance(t, int) and not isinstance(t, bool) for t in body["themes"])):
        return {**body, "themes": [themes[t % len(themes)] for t in body["themes"]]}
    return body


_deliverable_turn = {"n": 0}


@schemathesis.hook("before_call")
def fit_deliverable_patch(context, case, kwargs):
    """Rules of a deliverable's PATCH that tie one field to another (or to the stored row), which a schema
    cannot say (the document says them in words): publishing needs a public summary, a completion set by
    hand needs a note, a start date comes before the due date. 9 bodies in 10 get what those rules ask
    for, and keep everything else that was generated; the owner and institutions come from the
    configuration's dictionaries."""
    if case.method.upper() != "PATCH" or not case.path.startswith("/api/v1/deliverables/"):
        return
    _deliverable_turn["n"] += 1
    if _deliverable_turn["n"] % 10 == 0:
        return
    for body in (case.body, kwargs.get("json")):
        if not isinstance(body, dict):
            continue
        summary = body.get("public_summary")
        if body.get("public") is True and not (isinstance(summary, dict) and any(
                isinstance(text, str) and text.strip() for text in summary.values())):
            body["public_summary"] = {**(summary if isinstance(summary, dict) else {}), "es": "Resumen público"}
        note = body.get("completion_note")
        if body.get("completion_override") is not None and not (isinstance(note, str) and note.strip()):
            body["completion_note"] = "Nota del equipo coordinador"
        # Dates are checked against the stored ones too: a far start and a far due date keep them in order.
        if "start_date" in body or "due_date" in body:
            body["start_date"], body["due_date"] = "2020-01-01", "2099-12-31"


_policy_turn = {"n": 0}


def _mexico_city_today() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("America/Mexico_City")).date().isoformat()


def _fit_chapter(body: dict) -> None:
    """A municipal record names its state and municipality; a state's record names no other state."""
    jurisdiction = body.get("jurisdiction")
    if jurisdiction == "municipal":
        if not isinstance(body.get("state"), str):
            body["state"] = "JAL"
        if not (isinstance(body.get("place"), str) and body["place"].strip()):
            body["place"] = "Zapopan"
    elif isinstance(jurisdiction, str) and body.get("state") not in (None, jurisdiction):
        body.pop("state", None)


@schemathesis.hook("before_call")
def fit_policy_bodies(context, case, kwargs):
    """Rules of instruments, stages and engagements that tie one field to another or to the stored row
    (the document says them in words): a title that is not blank, a municipal record's state and place,
    a stage dated today (never in the future, nor before the latest one) with a note (moving back or
    abandoning needs one). 9 bodies in 10 get what those rules ask for, and keep everything else."""
    method, path = case.method.upper(), case.path
    if not ((method in ("POST", "PATCH") and path.startswith("/api/v1/instruments"))
            or (method == "POST" and path == "/api/v1/engagements")):
        return
    _policy_turn["n"] += 1
    if _policy_turn["n"] % 10 == 0:
        return
    for body in (case.body, kwargs.get("json")):
        if not isinstance(body, dict):
            continue
        if path.endswith("/stages"):
            body["on"] = _mexico_city_today()
            if not (isinstance(body.get("note"), str) and body["note"].strip()):
                body["note"] = "Nota del registro"
            continue
        if path.endswith("/uptakes"):
            continue
        for name in ("title", "title_es", "title_en", "body"):
            if isinstance(body.get(name), str) and not body[name].strip():
                body[name] = "Registro de prueba"
        if method == "POST" and path == "/api/v1/instruments" and not any(
                isinstance(body.get(name), str) and body[name].strip() for name in ("title", "title_es", "title_en")):
            body["title"] = "Registro de prueba"
        _fit_chapter(body)
