"""No input, however malformed, gets a 500 from the API, and every 4xx has SPEC's error shape.

The operations come from the generated OpenAPI document itself, so endpoints added later are
covered without editing this file: each is called with a coordinator's token, its path ids
replaced by ones that exist. Each test checks one behaviour on every operation and reports
every operation that misbehaves, not only the first.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition import create_app
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.meetings.models import ActionItem
from tests import factories
from tests.api.test_tokens import auth, new_token
from tests.conftest import is_first_database

# Odd input is where databases differ (NUL bytes, overflow, length): on each one, unlike the rest of tests/api/.
pytestmark = pytest.mark.every_database

METHODS = ("get", "post", "put", "patch", "delete")
BODY_METHODS = ("post", "put", "patch")


def _openapi_document() -> dict:
    """The document as generated from the code (it needs no database)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": None})
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


DOCUMENT = _openapi_document()
OPERATIONS = sorted((path, method) for path, item in DOCUMENT["paths"].items() for method in item if method in METHODS)
BODY_OPERATIONS = [(p, m) for p, m in OPERATIONS if "requestBody" in DOCUMENT["paths"][p][m]]
SECURED_OPERATIONS = [(p, m) for p, m in OPERATIONS if DOCUMENT["paths"][p][m].get("security", [{}]) != []]


def _op_id(op) -> str:
    return f"{op[1].upper()} {op[0]}"


def _parameters(path: str, method: str, where: str) -> list[dict]:
    item = DOCUMENT["paths"][path]
    params = list(item.get("parameters", [])) + list(item[method].get("parameters", []))
    return [p for p in params if p.get("in") == where]


QUERY_OPERATIONS = [op for op in OPERATIONS if _parameters(*op, "query")]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body_properties(path: str, method: str) -> dict:
    content = DOCUMENT["paths"][path][method]["requestBody"].get("content", {})
    schema = _resolve(content.get("application/json", {}).get("schema", {}))
    return {name: _resolve(prop) for name, prop in schema.get("properties", {}).items()
            if not _resolve(prop).get("readOnly")}


def _body_string_fields(path: str, method: str) -> list[str]:
    return sorted(name for name, prop in _body_properties(path, method).items() if prop.get("type") == "string")


# One value per kind the code could treat differently (a second SQL quote or a second right-to-left script
# would take the same path as the first): scripts and emoji, control characters, length, SQL and template
# syntax, LIKE's wildcards, blanks, and strings that look like JSON literals, numbers or dates.
NASTY = [
    "ñandú 🦙🚀", "مرحبا بالعالم", "\u202egnp.exe", "a\u0000b", "\u0000", "\x01\x1f", "x" * 10000,
    "'; DROP TABLE users; --", "<script>alert(1)</script>", "{{7*7}}", "%00", "%", "_", "\\", "   ", "",
    "null", "-1", "9" * 40, "1e309", "NaN", "2026-02-30", "\ufeff", "\U0010ffff",
]
# What a database may treat differently (tests/conftest.py: is_first_database): sent on every database.
FOR_EVERY_DATABASE = ["a\u0000b", "\u0000", "\x01\x1f", "x" * 10000, "%", "_", "\\", "9" * 40, "1e309", "2026-02-30"]
# Only a JSON body can carry these (as \ud800 escapes); no database can store them.
LONE_SURROGATES = ["\ud800", "x\udfffy"]
RAW_QUERY_VALUES = ["%FF", "%ED%A0%80", "%C0%AF", "%25%30%30", "%E2%80%AE"]
ODD_TYPES = [None, True, -1, 2**63, 10**30, 1.5, 1e300, [], [1, "a"], {}, {"$gt": ""}, "🦙"]
# The schemas refuse a wrong type before any query; what they let through to a column is numbers too big for
# it, which each database refuses its own way: those on every database.
ODD_TYPES_FOR_EVERY_DATABASE = [2**63, 10**30, 1e300]

TODAY = factories.today()


def error_shape_problem(response, status: int | None = None) -> str | None:
    """Why the response is not a 4xx (of `status`) in exactly SPEC's error shape, or None."""
    code = response.status_code
    text = response.get_data(as_text=True)[:200]
    if not 400 <= code < 500 or (status is not None and code != status):
        return f"got {code}, expected {status or '4xx'}: {text}"
    if not response.is_json:
        return f"{code} is not JSON ({response.headers.get('Content-Type')}): {text}"
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != ({"error", "current"} if code == 409 else {"error"}):
        return f"{code} body has keys {sorted(body) if isinstance(body, dict) else type(body)}: {text}"
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"status", "code", "message", "fields"}:
        return f"{code} error has keys {sorted(error) if isinstance(error, dict) else type(error)}"
    if error["status"] != code:
        return f"error.status {error['status']!r} differs from HTTP {code}"
    if not (isinstance(error["code"], str) and error["code"]) or not (
            isinstance(error["message"], str) and error["message"]):
        return f"{code} error code/message not non-empty strings: {error}"
    if not isinstance(error["fields"], dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
            for k, v in error["fields"].items()):
        return f"{code} error.fields is not {{name: [messages]}}: {error['fields']}"
    return None


def sanity_problem(response) -> str | None:
    """Never 5xx; a 4xx in SPEC's shape."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    if response.status_code >= 400:
        return error_shape_problem(response)
    return None


class Problems:
    """Collect every misbehaving (operation, input) and fail once with the whole list."""

    def __init__(self):
        self.items: list[str] = []

    def add(self, label: str, problem: str | None) -> None:
        if problem:
            self.items.append(f"{label}: {problem}")

    def check(self) -> None:
        assert not self.items, f"{len(self.items)} problem(s):\n" + "\n".join(self.items[:60])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


class World:
    """A coordinator with a token and one of everything a path can name."""

    def __init__(self, client):
        self.client = client
        self.coordinator = factories.user(name="Carla Coordinadora", role="coordinator", groups={"ethics": "lead"})
        self.institution = factories.institution()
        self.item = factories.deliverable("ethics", owner=self.coordinator, title="Guía de ética")
        self.meeting = factories.meeting("ethics", invitees=[self.coordinator])
        from coalition.deliverables.models import Milestone
        milestone = Milestone(deliverable_id=self.item.id, title="Borrador", progress=0, position=0)
        action_item = ActionItem(meeting_id=self.meeting.id, text="Enviar borrador", assignee_id=self.coordinator.id)
        db.session.add_all([milestone, action_item])
        # A consultation whose slug is the one every `{slug}` gets here, with a theme and a contribution.
        from tests.analysis import factories as consult
        # Open, so that what a contribution's body gets wrong is what the answer is about (not a 410).
        consultation = consult.consultation(("ethics",), slug="ethics",
                                            closes_at=datetime.now(timezone.utc) + timedelta(days=30))
        theme_id, contribution_id = consult.theme(consultation).id, consult.contribution(consultation).id
        recommendation_id = consult.recommendation().id
        # Issue 15: a federal instrument (a coordinator records it) and an engagement about it.
        from tests.api.test_instruments import instrument as policy_instrument
        from coalition.policy.models import Engagement
        instrument_id = policy_instrument().id
        engagement = Engagement(kind="forum", title="Foro", held_on=TODAY, jurisdiction="federal", body="Senado",
                                instrument_id=instrument_id)
        db.session.add(engagement)
        db.session.flush()
        engagement_id = engagement.id
        db.session.commit()
        membership_id = db.session.scalar(sa.select(GroupMembership.id).where(
            GroupMembership.user_id == self.coordinator.id))
        self.token = new_token(client, self.coordinator)["token"]
        self.ids = {
            "deliverable_id": self.item.id, "milestone_id": milestone.id,
            "token_id": new_token(client, self.coordinator)["id"],  # a spare one, never the one in use
            "institution_id": self.institution.id, "meeting_id": self.meeting.id, "item_id": action_item.id,
            "membership_id": membership_id, "user_id": self.coordinator.id, "person_id": self.coordinator.id,
            "slug": "ethics", "group": "ethics", "group_slug": "ethics",
            "theme_id": theme_id, "contribution_id": contribution_id, "recommendation_id": recommendation_id,
            "instrument_id": instrument_id, "engagement_id": engagement_id, "code": "JAL",
        }
        self.email = self.coordinator.email
        self.coordinator_id = self.coordinator.id

    @property
    def headers(self) -> dict:
        return auth(self.token)

    def url(self, path: str, **overrides) -> str:
        def value(match):
            name = match.group(1)
            if name in overrides:
                return str(overrides[name])
            if name in self.ids:
                return str(self.ids[name])
            return "1" if name.endswith("id") else "ethics"
        return re.sub(r"{([^}]+)}", value, path)

    def valid_body(self, path: str, method: str) -> dict:
        """A body the operation accepts, for the operations this file knows; `{}` for others."""
        key = (path, method)
        if key == ("/api/v1/tokens", "post"):
            return {"email": self.email, "password": factories.PASSWORD, "name": "script"}
        if key == ("/api/v1/me", "patch"):
            return {"name": "Carla Coordinadora"}
        if key == ("/api/v1/deliverables", "post"):
            return {"group": "ethics", "title": "Nuevo", "description": "", "owner_id": self.coordinator_id,
                    "due_date": (TODAY + timedelta(days=30)).isoformat()}
        if key == ("/api/v1/deliverables/{deliverable_id}", "patch"):
            current = self.client.get(self.url(path), headers=self.headers).get_json()
            return {"version": current["version"], "title": "Guía de ética"}
        if key == ("/api/v1/deliverables/{deliverable_id}/updates", "post"):
            return {"status": "in_progress", "progress": 20, "note": "avance"}
        if key == ("/api/v1/deliverables/{deliverable_id}/milestones", "post"):
            return {"title": "Hito"}
        if key == ("/api/v1/deliverables/{deliverable_id}/milestones/{milestone_id}", "patch"):
            return {"progress": 10}
        if key == ("/api/v1/instruments", "post"):
            return {"kind": "law", "jurisdiction": "federal", "branch": "legislative", "title": "Ley"}
        if key == ("/api/v1/instruments/{instrument_id}", "patch"):
            current = self.client.get(self.url(path), headers=self.headers).get_json()
            return {"version": current["version"], "title": "Ley federal de datos"}
        if key == ("/api/v1/instruments/{instrument_id}/stages", "post"):
            return {"stage": "proposed", "on": TODAY.isoformat()}
        if key == ("/api/v1/instruments/{instrument_id}/uptakes", "post"):
            return {"recommendation_id": self.ids["recommendation_id"], "degree": "cited"}
        if key == ("/api/v1/engagements", "post"):
            return {"kind": "forum", "title": "Foro", "held_on": TODAY.isoformat(), "jurisdiction": "federal",
                    "body": "Senado"}
        return {}

    def send(self, method: str, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method.upper(), headers=headers, **kwargs)

    def send_raw(self, op, data, content_type="application/json"):
        path, method = op
        return self.send(method, self.url(path), data=data, content_type=content_type)


@pytest.fixture
def world(client):
    return World(client)


# --- the document ----------------------------------------------------------------------------

def test_the_document_fetched_with_a_coordinators_token_lists_the_operations_tested_here(world):
    response = world.client.get("/api/openapi.json", headers=world.headers)
    assert response.status_code == 200
    live = sorted((p, m) for p, item in response.get_json()["paths"].items() for m in item if m in METHODS)
    assert live == OPERATIONS
    for path in ("/api/v1/tokens", "/api/v1/tokens/{token_id}", "/api/v1/me", "/api/v1/deliverables",
                 "/api/v1/deliverables/{deliverable_id}", "/api/v1/deliverables/{deliverable_id}/updates",
                 "/api/v1/deliverables/{deliverable_id}/milestones",
                 "/api/v1/deliverables/{deliverable_id}/milestones/{milestone_id}"):
        assert path in DOCUMENT["paths"], path


def test_the_valid_bodies_used_here_are_accepted(world):
    """So the odd-value tests below reach the services, not only the schemas."""
    problems = Problems()
    for path, method in BODY_OPERATIONS:
        body = world.valid_body(path, method)
        if body:
            response = world.send(method, world.url(path), json=body)
            if response.status_code not in (200, 201):
                problems.add(_op_id((path, method)), f"{response.status_code} {response.get_data(as_text=True)[:200]}")
    problems.check()


# --- bodies ----------------------------------------------------------------------------------

MALFORMED_JSON = [
    b'{"title":', b"{'title': 'x'}", b'{"title": "x",}', b"[1, 2", b"not json", b'{"title": "\xff"}',
    b"\xff\xfe{\x00}\x00", b'{"a" "b"}', b"{]", b"\x00", b'{"title": "x"} trailing',
]


def test_malformed_json_is_400_everywhere(world):
    problems = Problems()
    for op in BODY_OPERATIONS:
        for data in MALFORMED_JSON:
            problems.add(f"{_op_id(op)} {_short(data)}", error_shape_problem(world.send_raw(op, data), 400))
    problems.check()


def test_json_that_is_not_an_object_is_400_or_422_everywhere(world):
    problems = Problems()
    for op in BODY_OPERATIONS:
        for data in (b"[]", b"[{}]", b'"text"', b"42", b"null", b"true", b"1e999", b"NaN"):
            response = world.send_raw(op, data)
            problems.add(f"{_op_id(op)} {_short(data)}", error_shape_problem(response)
                         or (None if response.status_code in (400, 422) else f"got {response.status_code}"))
    problems.check()


def test_json_nested_too_deeply_is_a_4xx_not_a_500_everywhere(world):
    problems = Problems()
    for op in BODY_OPERATIONS:
        for label, data in (("2000 nested arrays", b"[" * 2000 + b"]" * 2000),
                            ("5000 nested objects", b'{"title": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001)):
            problems.add(f"{_op_id(op)} {label}", error_shape_problem(world.send_raw(op, data)))
    problems.check()


def test_a_number_too_long_to_convert_is_a_4xx_not_a_500_everywhere(world):
    # Python refuses to turn more than 4300 digits into an int (CVE-2020-10735) with a ValueError.
    problems = Problems()
    for op in BODY_OPERATIONS:
        for data in (b'{"progress": ' + b"9" * 5000 + b"}", b"9" * 5000):
            problems.add(f"{_op_id(op)} {len(data)}-byte number", error_shape_problem(world.send_raw(op, data)))
    problems.check()


@pytest.mark.parametrize("content_type,data", [
    ("text/plain", '{"title": "x"}'),
    ("application/x-www-form-urlencoded", "title=x&progress=5"),
    ("multipart/form-data; boundary=xyz", '--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--xyz--\r\n'),
    ("application/xml", "<title>x</title>"),
    (None, '{"title": "x"}'),
], ids=["text-plain", "form-urlencoded", "multipart", "xml", "no-content-type"])
def test_a_body_that_is_not_json_is_415_everywhere(world, content_type, data):
    problems = Problems()
    for op in BODY_OPERATIONS:
        problems.add(_op_id(op), error_shape_problem(world.send_raw(op, data, content_type), 415))
    problems.check()


def test_a_3mb_body_is_413_everywhere(world):
    problems = Problems()
    for op in BODY_OPERATIONS:
        big = json.dumps({**world.valid_body(*op), "note": "x" * (3 * 1024 * 1024)})
        problems.add(f"{_op_id(op)} JSON", error_shape_problem(world.send_raw(op, big), 413))
        # Whatever its content type, it is refused (too large or not JSON), never read as something else.
        response = world.send_raw(op, "x" * (3 * 1024 * 1024), "text/plain")
        problems.add(f"{_op_id(op)} text", error_shape_problem(response) or (
            None if response.status_code in (413, 415) else f"got {response.status_code}"))
    problems.check()


def test_unknown_fields_are_422_naming_them_everywhere(world):
    problems = Problems()
    for op in BODY_OPERATIONS:
        response = world.send(op[1], world.url(op[0]), json={**world.valid_body(*op), "zz_unknown": 1, "is_admin": True})
        problem = error_shape_problem(response, 422)
        if problem is None:
            missing = {"zz_unknown", "is_admin"} - set(response.get_json()["error"]["fields"])
            problem = f"fields do not name {sorted(missing)}" if missing else None
        problems.add(_op_id(op), problem)
    problems.check()


@pytest.mark.parametrize("op", [op for op in BODY_OPERATIONS if _body_string_fields(*op)], ids=_op_id)
def test_odd_strings_in_every_body_field_never_cause_a_500(world, database, op):
    path, method = op
    problems = Problems()
    values = NASTY if is_first_database(database) else FOR_EVERY_DATABASE
    for field in _body_string_fields(path, method):
        for value in values:
            response = world.send(method, world.url(path), json={**world.valid_body(path, method), field: value})
            problems.add(f"{field}={_short(value)}", sanity_problem(response))
    problems.check()


def test_lone_surrogates_in_a_json_body_are_a_4xx_not_a_500(world):
    # "\ud800" is valid JSON but not valid Unicode: neither SQLite, PostgreSQL nor argon2 can take it.
    problems = Problems()
    for op in BODY_OPERATIONS:
        for field in _body_string_fields(*op):
            for value in LONE_SURROGATES:
                response = world.send(op[1], world.url(op[0]), json={**world.valid_body(*op), field: value})
                problems.add(f"{_op_id(op)} {field}={_short(value)}", sanity_problem(response))
    problems.check()


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=_op_id)
def test_odd_types_in_every_body_field_never_cause_a_500(world, database, op):
    path, method = op
    problems = Problems()
    values = ODD_TYPES if is_first_database(database) else ODD_TYPES_FOR_EVERY_DATABASE
    for field in list(_body_properties(path, method)) or ["anything"]:
        for value in values:
            response = world.send(method, world.url(path), json={**world.valid_body(path, method), field: value})
            problems.add(f"{field}={_short(value)}", sanity_problem(response))
    problems.check()


# --- query strings ---------------------------------------------------------------------------

@pytest.mark.parametrize("op", QUERY_OPERATIONS, ids=_op_id)
def test_odd_values_in_every_query_filter_never_cause_a_500(world, database, op):
    path, method = op
    url = world.url(path)
    problems = Problems()
    values = NASTY if is_first_database(database) else FOR_EVERY_DATABASE
    for name in (p["name"] for p in _parameters(path, method, "query")):
        for value in values:
            response = world.send(method, url, query_string={name: value})
            problem = sanity_problem(response)
            if problem is None and response.status_code == 200:
                body = response.get_json()
                if isinstance(body, dict) and "items" in body and not isinstance(body.get("total"), int):
                    problem = f"a list without a total: {sorted(body)}"
            problems.add(f"?{name}={_short(value)}", problem)
        for raw in RAW_QUERY_VALUES:
            problems.add(f"?{name}={raw}", sanity_problem(world.send(method, f"{url}?{name}={raw}")))
        for query in (f"{name}=a&{name}=b", f"{name}=", name, f"{name}[]=x", f"{name}[$ne]=x"):
            problems.add(f"?{query}", sanity_problem(world.send(method, f"{url}?{query}")))
    problems.check()


def test_a_query_string_of_junk_never_causes_a_500(world):
    problems = Problems()
    for op in (op for op in OPERATIONS if op[1] == "get"):
        url = world.url(op[0])
        for query in ("%", "%%%", "&&&", "=&=", "a=%ZZ", "%C3%BF=%C3%BF", "x" * 8000, "page=1&" * 500):
            problems.add(f"{_op_id(op)} ?{_short(query)}", sanity_problem(world.send("get", f"{url}?{query}")))
    problems.check()


def test_injection_looking_search_text_matches_nothing(world):
    for value in ("' OR 1=1 --", "' OR '1'='1", "%", "_", "\\", "*", ".*", "\u0000"):
        response = world.send("get", "/api/v1/deliverables", query_string={"q": value})
        if response.status_code == 200:
            assert response.get_json()["total"] == 0, value
        else:
            assert error_shape_problem(response) is None, (value, error_shape_problem(response))
    assert world.send("get", "/api/v1/deliverables", query_string={"q": "ética"}).get_json()["total"] == 1


# --- paths and methods -----------------------------------------------------------------------

def test_unknown_ids_in_every_path_are_404(world):
    problems = Problems()
    for path in sorted(p for p in DOCUMENT["paths"] if "{" in p):
        item = DOCUMENT["paths"][path]
        types = {p["name"]: p.get("schema", {}).get("type") for p in item.get("parameters", []) if p.get("in") == "path"}
        for method in (m for m in METHODS if m in item):
            for name in re.findall(r"{([^}]+)}", path):
                if types.get(name) == "integer":
                    values = [0, 2**31, 99999999999999999999, "-1", "1.5", "abc", "%F0%9F%A6%99"]
                else:
                    values = ["nope", "x" * 500, "%F0%9F%A6%99", "..%2F..%2Fetc%2Fpasswd", "%00", "'%20OR%201=1%20--"]
                for value in values:
                    kwargs = {"json": world.valid_body(path, method)} if method in BODY_METHODS else {}
                    response = world.send(method, world.url(path, **{name: value}), **kwargs)
                    problems.add(f"{method.upper()} {path} {name}={_short(value)}", error_shape_problem(response, 404))
    problems.check()


def test_a_wrong_method_is_405_json_with_an_allow_header(world):
    problems = Problems()
    for path, item in sorted(DOCUMENT["paths"].items()):
        documented = {m.upper() for m in item if m in METHODS}
        for method in (m.upper() for m in METHODS if m not in item):
            kwargs = {"json": {}} if method.lower() in BODY_METHODS else {}
            response = world.send(method, world.url(path), **kwargs)
            problem = error_shape_problem(response, 405)
            allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
            if problem is None and not documented <= allow:
                problem = f"Allow: {response.headers.get('Allow')!r} lacks {sorted(documented - allow)}"
            problems.add(f"{method} {path}", problem)
    problems.check()


UNKNOWN_PATHS = ["/api/v1/nope", "/api/v1/deliverables/1/nope", "/api/nope", "/api/v2/deliverables", "/api/v1/",
                 "/api/v1/deliverables/abc", "/api/v1/%00", "/api/v1/..%2F..%2Fetc", "/api/v1/nope.json"]


def test_an_unknown_path_is_404_json(world):
    problems = Problems()
    for path in UNKNOWN_PATHS:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
            problems.add(f"{method} {path} with a token", error_shape_problem(world.send(method, path, **kwargs), 404))
            problems.add(f"{method} {path} without", error_shape_problem(
                world.client.open(path, method=method, **kwargs), 404))
    problems.check()


# --- authentication --------------------------------------------------------------------------

def test_every_secured_operation_without_a_token_is_401_with_www_authenticate(world):
    problems = Problems()
    for path, method in SECURED_OPERATIONS:
        kwargs = {"json": world.valid_body(path, method)} if method in BODY_METHODS else {}
        response = world.client.open(world.url(path), method=method.upper(), **kwargs)
        problem = error_shape_problem(response, 401)
        if problem is None and not response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
            problem = f"WWW-Authenticate is {response.headers.get('WWW-Authenticate')!r}"
        problems.add(_op_id((path, method)), problem)
    problems.check()


def test_odd_authorization_headers_are_401_everywhere(world):
    problems = Problems()
    headers = ["Bearer", "Bearer ", "Bearer \u0000", "Bearer coa_" + "a" * 10000, "Bearer coa_'OR'1'='1",
               "Basic dXNlcjpwYXNz", "Bearer " + world.token + "x", "Bearer " + world.token[:-1], "Bearer coa_%00",
               "Bearer coa_\u00e9", "Bearer\tcoa_x", "Bearer " + world.token.upper()]
    for path, method in SECURED_OPERATIONS:
        for header in headers:
            kwargs = {"json": world.valid_body(path, method)} if method in BODY_METHODS else {}
            response = world.client.open(world.url(path), method=method.upper(),
                                         headers={"Authorization": header}, **kwargs)
            problems.add(f"{_op_id((path, method))} {_short(header)}", error_shape_problem(response, 401))
    problems.check()


def test_without_a_token_even_an_invalid_body_is_401(world):
    """401 comes first: an anonymous caller learns nothing about what the body should hold."""
    problems = Problems()
    for path, method in (op for op in SECURED_OPERATIONS if op in BODY_OPERATIONS):
        for label, kwargs in (("empty object", {"json": {}}), ("unknown field", {"json": {"zz_unknown": 1}}),
                              ("malformed JSON", {"data": b"{", "content_type": "application/json"})):
            response = world.client.open(world.url(path), method=method.upper(), **kwargs)
            problems.add(f"{_op_id((path, method))} {label}", error_shape_problem(response, 401))
    problems.check()
