"""Every path to privilege asks for re-authentication, on the pages and the API.

The route map is walked twice: once for the views marked with @reauth.privilege_path (each must
refuse a stale actor and let a fresh one through), and once reading every view's code for a call
that reaches a privileged service, so that a new route that changes a role, an active flag or
invites an admin without the mark fails here.
"""
from __future__ import annotations

import ast
import io
import inspect
import sys
import textwrap
import time
import types
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coalition.auth import reauth
from coalition.auth.models import ApiToken, Invitation, User, UserSession
from coalition.database import utcnow
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _world():
    admin = factories.user(role="admin")
    target = factories.user()
    db.session.commit()
    return {"admin": admin.id, "target": target.id, "admin_email": admin.email, "target_email": target.email}


def _user_form(w):
    return {"role": "admin", "institution_id": "0", "active": "y"}


def _invite_form(w):
    return {"email": "nueva-admin@example.org", "name": "Nueva Admin", "role": "admin", "institution_id": "0",
            "group_id": "0"}


# (endpoint, method) -> (kind, path, body): the privileged request each marked route is tried with.
PRIVILEGED_REQUESTS = {
    ("auth.user_detail", "GET"): ("page", lambda w: f"/admin/users/{w['target']}", None),
    ("auth.user_detail", "POST"): ("page", lambda w: f"/admin/users/{w['target']}", _user_form),
    ("auth.sign_out_user", "POST"): ("page", lambda w: f"/admin/users/{w['target']}/sign-out", lambda w: {}),
    ("auth.invite", "GET"): ("page", lambda w: "/invitations/new", None),
    ("auth.invite", "POST"): ("page", lambda w: "/invitations/new", _invite_form),
    ("api_invitations.Invitations", "POST"): ("api", lambda w: "/api/v1/invitations", lambda w: {
        "email": "nuevo-coordinador@example.org", "name": "Nuevo Coordinador", "role": "coordinator"}),
    ("imports.people_upload", "GET"): ("page", lambda w: "/people/import", None),
    ("imports.people_upload", "POST"): ("page", lambda w: "/people/import", lambda w: {
        "file": (io.BytesIO(PEOPLE_CSV), "people.csv")}),
    ("imports.people_preview", "GET"): ("page", lambda w: f"/people/import/{_pending_people(w)}", None),
    ("imports.people_preview", "POST"): ("page", lambda w: f"/people/import/{_pending_people(w)}", lambda w: {}),
}

PEOPLE_CSV = b"email,name,role\nnueva-admin@example.org,Nueva Admin,admin\n"


def _pending_people(w) -> str:
    """A people file kept for its preview by the admin, as the upload page would keep it."""
    from coalition.imports import services as imports

    kept = imports.keep(db.session.get(User, w["admin"]), "people", PEOPLE_CSV, "people.csv", {})
    db.session.commit()
    return kept.id


def _view_functions(app):
    """Yield (endpoint, method, function) for every route of the app, pages and API."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - SKIPPED_METHODS):
            view_class = getattr(view, "view_class", None)
            function = getattr(view_class, method.lower(), None) if view_class is not None else view
            if function is not None:
                yield rule.endpoint, method, function


def test_the_marked_routes_are_exactly_the_privilege_paths_tried_below(app):
    marked = {(endpoint, method) for endpoint, method, function in _view_functions(app)
              if getattr(function, "privilege_path", False)}
    assert marked == set(PRIVILEGED_REQUESTS), "a new privilege path needs a request in PRIVILEGED_REQUESTS"
    routed = {f"{inspect.unwrap(f).__module__}.{inspect.unwrap(f).__qualname__}"
              for _, _, f in _view_functions(app) if getattr(f, "privilege_path", False)}
    assert reauth.PRIVILEGE_PATHS <= routed


# --- finding privilege paths by what they do ---------------------------------------------------

def _qualified(value) -> str | None:
    if isinstance(value, (types.FunctionType, types.MethodType)):
        value = inspect.unwrap(value)
        return f"{value.__module__}.{value.__qualname__}"
    return None


def _reaches_privilege(function, seen: set[str], depth: int = 0) -> str | None:
    """The privileged service `function` calls, directly or through the app's own functions, or None."""
    function = inspect.unwrap(function)
    name = _qualified(function)
    if name in reauth.PRIVILEGED_SERVICES:
        return name
    if name is None or name in seen or depth > 8 or not function.__module__.startswith("coalition"):
        return None
    seen.add(name)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    scope = vars(sys.modules[function.__module__])
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = None
        if isinstance(node.func, ast.Name):
            target = scope.get(node.func.id)
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            holder = scope.get(node.func.value.id)
            if isinstance(holder, types.ModuleType):
                target = getattr(holder, node.func.attr, None)
            elif node.func.value.id == "self" and inspect.isclass(scope.get(function.__qualname__.split(".")[0])):
                target = getattr(scope[function.__qualname__.split(".")[0]], node.func.attr, None)
        found = _qualified(target) if target is not None else None
        if found in reauth.PRIVILEGED_SERVICES:
            return found
        if found is not None:
            deeper = _reaches_privilege(target, seen, depth + 1)
            if deeper:
                return deeper
    return None


# A reading of the routes' code: no database changes it.
@pytest.mark.one_database
def test_every_route_that_reaches_a_privileged_service_is_a_marked_privilege_path(app):
    reaching = {(endpoint, method): service for endpoint, method, function in _view_functions(app)
                if (service := _reaches_privilege(function, set()))}
    unguarded = _unguarded(app)
    assert not unguarded, f"these routes reach a privileged service without @reauth.privilege_path: {unguarded}"
    # The reading is not vacuous: it finds the known paths by their calls alone.
    assert {("auth.user_detail", "POST"), ("auth.sign_out_user", "POST"), ("auth.invite", "POST"),
            ("api_invitations.Invitations", "POST")} <= set(reaching)


PROBE = """
from flask import request

from coalition.auth import services


def _promote(actor, user_id):
    return services.manage_user(actor, user_id, role="admin", active=True, institution_id=None)


def promote(user_id):
    \"\"\"A careless new view: it makes someone an admin without asking for the password again.\"\"\"
    return _promote(None, user_id)
"""


def _unguarded(app) -> dict:
    """The routes that reach a privileged service without the @reauth.privilege_path mark."""
    return {(endpoint, method): service for endpoint, method, function in _view_functions(app)
            if not getattr(function, "privilege_path", False) and (service := _reaches_privilege(function, set()))}


def test_the_reading_catches_a_new_unmarked_route_that_changes_a_role(tmp_path):
    import importlib.util

    from coalition import create_app

    path = tmp_path / "coalition_probe_views.py"
    path.write_text(PROBE)
    spec = importlib.util.spec_from_file_location("coalition_probe_views", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        probe_app = create_app("testing")
        probe_app.add_url_rule("/admin/promote/<int:user_id>", "probe.promote", module.promote, methods=["POST"])
        assert _unguarded(probe_app) == {("probe.promote", "POST"): "coalition.auth.services.manage_user"}
    finally:
        sys.modules.pop(spec.name, None)


# --- each privilege path refuses a stale actor -------------------------------------------------

def _state(w) -> tuple:
    """What a privilege path could change: roles and active flags, invitations, the target's
    sessions and API tokens."""
    db.session.expire_all()
    return (
        tuple(db.session.execute(sa.select(User.id, User.role, User.active).order_by(User.id)).all()),
        db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)),
        db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.user_id == w["target"], UserSession.ended_at.is_(None))),
        db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
            ApiToken.user_id == w["target"], ApiToken.revoked_at.is_(None))),
    )


def _page_client(app, w, *, fresh: bool):
    client = app.test_client()
    response = client.post("/login", data={"email": w["admin_email"], "password": factories.PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    if not fresh:
        with client.session_transaction() as flask_session:
            flask_session[reauth.KEY] = int(time.time()) - 16 * 60
    return client


def _target_logged_in(app, w):
    client = app.test_client()
    client.post("/login", data={"email": w["target_email"], "password": factories.PASSWORD,
                                "csrf_token": csrf_token(client)})
    app.test_client().post("/api/v1/tokens", json={"email": w["target_email"], "password": factories.PASSWORD})


def _api_token(app, w, *, age: timedelta) -> str:
    response = app.test_client().post("/api/v1/tokens", json={"email": w["admin_email"],
                                                              "password": factories.PASSWORD})
    assert response.status_code == 201
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == response.json["id"])
                       .values(created_at=utcnow() - age))
    db.session.commit()
    return response.json["token"]


def _send(app, client, kind, path, body, *, token=None, form_csrf=None):
    if kind == "api":
        return app.test_client().post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if body is None:
        return client.get(path)
    # The CSRF token comes from a page any session can see: the form was open before the proof of
    # password went stale.
    return client.post(path, data={**body, "csrf_token": form_csrf}, headers={"Referer": f"http://localhost{path}"})


@pytest.mark.parametrize(("endpoint", "method"), sorted(PRIVILEGED_REQUESTS))
def test_a_privilege_path_refuses_a_stale_login_or_token_and_changes_nothing(app, endpoint, method):
    w = _world()
    _target_logged_in(app, w)
    kind, path_of, body_of = PRIVILEGED_REQUESTS[(endpoint, method)]
    path, body = path_of(w), body_of(w) if body_of else None
    before = _state(w)
    if kind == "api":
        response = _send(app, None, kind, path, body, token=_api_token(app, w, age=timedelta(minutes=16)))
        assert response.status_code == 403
        assert response.json["error"]["code"] == "reauthentication_required"
        assert "/api/v1/tokens" in response.json["error"]["message"]
    else:
        client = _page_client(app, w, fresh=True)
        form_csrf = csrf_token(client, "/settings")
        with client.session_transaction() as flask_session:
            flask_session[reauth.KEY] = int(time.time()) - 16 * 60
        response = _send(app, client, kind, path, body, form_csrf=form_csrf)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/reauthenticate?next=")
    assert _state(w) == before


@pytest.mark.parametrize(("endpoint", "method"), sorted(PRIVILEGED_REQUESTS))
def test_a_privilege_path_lets_a_fresh_login_or_token_through(app, endpoint, method):
    w = _world()
    kind, path_of, body_of = PRIVILEGED_REQUESTS[(endpoint, method)]
    path, body = path_of(w), body_of(w) if body_of else None
    if kind == "api":
        response = _send(app, None, kind, path, body, token=_api_token(app, w, age=timedelta(minutes=14)))
        assert response.status_code == 201, response.json
    else:
        client = _page_client(app, w, fresh=True)
        response = _send(app, client, kind, path, body, form_csrf=csrf_token(client, "/settings"))
        assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:400]
        assert not response.headers.get("Location", "").startswith("/reauthenticate")


def test_inviting_a_member_needs_no_fresh_token_nor_fresh_login_for_a_lead(app):
    coordinator = factories.user(role="coordinator")
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    w = {"admin_email": coordinator.email}
    token = _api_token(app, w, age=timedelta(hours=2))
    response = app.test_client().post("/api/v1/invitations", json={"email": "socia@example.org", "name": "Socia"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    client = _page_client(app, {"admin_email": lead.email}, fresh=False)
    assert client.get("/invitations/new").status_code == 200


def test_the_openapi_document_tells_clients_how_to_get_a_fresh_token(app):
    document = app.test_client().get("/api/openapi.json").json
    assert "reauthentication_required" in document["info"]["description"]
    role = document["components"]["schemas"]["InvitationCreate"]["properties"]["role"]
    assert "reauthentication_required" in role["description"]
