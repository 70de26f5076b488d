"""No input, however malformed, produces a 500; unknown ids are 404."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token, is_first_database, login
from tests.test_permissions_matrix import RULES, fresh_world

BAD_VALUES = ["", " ", "-1", "0", "9" * 40, "1e309", "nan", "x" * 30000, "\x00", "\ud800".encode(
    "utf-8", "surrogatepass").decode("utf-8", "replace"), "<script>alert(1)</script>", "'; DROP TABLE users; --",
    "ñandú 🦙", "2026-02-30", "../../etc/passwd", "%00", "true"]

# What a database may treat differently (tests/conftest.py: is_first_database): sent on every database.
FOR_EVERY_DATABASE = ["9" * 40, "1e309", "x" * 30000, "\x00", "2026-02-30"]

POST_RULES = [(endpoint, rules["POST"]) for endpoint, rules in sorted(RULES.items()) if "POST" in rules]


@pytest.mark.parametrize("endpoint,rule", POST_RULES, ids=[e for e, _ in POST_RULES])
def test_malformed_form_values_never_cause_a_server_error(app, database, snapshot, client, endpoint, rule):
    world = fresh_world(snapshot)
    login(client, world["people"]["admin"])
    token = csrf_token(client, "/settings")
    path_for, data_for, _expected = rule
    good = data_for(world) if data_for else {}
    fields = list(good) or ["anything"]
    values = BAD_VALUES if is_first_database(database) else FOR_EVERY_DATABASE
    for field in fields:
        for value in values:
            response = client.post(path_for(world), data={**good, field: value, "csrf_token": token})
            assert response.status_code < 500, (endpoint, field, value[:20], response.status_code)
            # Only a redirect or a refused token can follow a logout (a form with errors is a 200 or 422):
            # then ask whether we are still logged in.
            if response.status_code in (302, 303, 400) and client.get("/settings").status_code == 302:
                # A password change or deactivation logged us out: log in again and go on.
                login(client, world["people"]["admin"])
                token = csrf_token(client, "/settings")


@pytest.mark.parametrize("path", [
    "/deliverables/0", "/deliverables/999999", "/deliverables/99999999999999999999",
    "/meetings/0", "/meetings/2147483648", "/meetings/99999999999999999999.ics",
    "/institutions/0", "/institutions/99999999999999999999", "/groups/nope", "/groups/" + "x" * 500,
    "/groups/nope/dashboard", "/admin/users/99999999999999999999", "/invitations/short",
    "/deliverables/99999/edit", "/meetings/99999/edit",
])
def test_unknown_ids_are_404(app, snapshot, client, path):
    login(client, fresh_world(snapshot)["people"]["admin"])
    assert client.get(path).status_code == 404


ODD_QUERIES = [
    "page=-1", "page=abc", "page=99999999999999999999", "per_page=0", "per_page=100000", "q=%00",
    "q=" + "a" * 5000, "sector=%27", "state=<x>", "group=%F0%9F%A6%99", "status=done%00", "health=x",
    "from=2026-13-45", "to=yesterday", "when=sometime", "lang=xx", "owner=me&overdue=true&stale=true",
]
# What reaches a query as a value a database may take differently: an offset past any integer, NUL, length.
ODD_QUERIES_FOR_EVERY_DATABASE = ["page=99999999999999999999", "q=%00", "q=" + "a" * 5000, "status=done%00"]


@pytest.mark.parametrize("page", ["/institutions", "/deliverables", "/meetings", "/admin/users", "/groups/ethics"])
def test_odd_query_strings_never_cause_a_server_error(app, database, snapshot, client, page):
    login(client, fresh_world(snapshot)["people"]["admin"])
    queries = ODD_QUERIES if is_first_database(database) else ODD_QUERIES_FOR_EVERY_DATABASE
    answers = {query: client.get(f"{page}?{query}").status_code for query in queries}
    assert {query: code for query, code in answers.items() if code not in (200, 400, 422)} == {}
