"""The deliverables API per role: listing with filters and pages, creating, reading, editing with
optimistic locking, deleting, recording updates, and milestones that roll up into progress."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
from coalition.extensions import db
from tests import factories
from tests.api.test_tokens import assert_bearer_401, assert_error, auth, new_token

ROLES = ("anonymous", "member_ethics", "member_governance", "lead_ethics", "coordinator", "admin")
LIST_KEYS = {"id", "group", "title", "status", "progress", "due_date", "owner_id", "version"}
TODAY = factories.today()


class World:
    """Five people (one per role but anonymous), each with a token, and a deliverable of ethics."""

    def __init__(self, client):
        self.client = client
        self.people = {
            "member_ethics": factories.user(name="Marta Miembro", groups={"ethics": "member"}),
            "member_governance": factories.user(name="Gabriel Gobernanza", groups={"governance": "member"}),
            "lead_ethics": factories.user(name="Lucía Líder", groups={"ethics": "lead"}),
            "coordinator": factories.user(name="Carla Coordinadora", role="coordinator"),
            "admin": factories.user(name="Ana Admin", role="admin"),
        }
        self.item = factories.deliverable("ethics", owner=self.people["member_ethics"], title="Guía de ética",
                                          status="in_progress", progress=10)
        db.session.commit()
        self.item_id = self.item.id
        self.ids = {name: person.id for name, person in self.people.items()}
        self.tokens: dict[str, str] = {}

    def headers(self, role: str) -> dict:
        if role == "anonymous":
            return {}
        if role not in self.tokens:  # issued on first use: each costs a password check
            self.tokens[role] = new_token(self.client, self.people[role])["token"]
        return auth(self.tokens[role])

    def call(self, role: str, method: str, path: str, **kwargs):
        return self.client.open(path, method=method, headers=self.headers(role), **kwargs)

    def get(self, role, path, **kwargs):
        return self.call(role, "GET", path, **kwargs)

    def post(self, role, path, json=None, **kwargs):
        return self.call(role, "POST", path, json=json, **kwargs)

    def patch(self, role, path, json=None, **kwargs):
        return self.call(role, "PATCH", path, json=json, **kwargs)

    def delete(self, role, path, **kwargs):
        return self.call(role, "DELETE", path, **kwargs)


@pytest.fixture
def world(client):
    return World(client)


def _expect(response, status: int):
    """`status` with a body: SPEC's error shape for 4xx."""
    if status >= 400:
        if status == 401:
            return assert_bearer_401(response)
        return assert_error(response, status)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    if status == 204:
        assert response.get_data() == b""
        return None
    return response.get_json()


def _names(error: dict, field: str) -> bool:
    """The error's fields name `field` (or an item of it, as `field.0`)."""
    return any(key == field or key.startswith(field + ".") for key in error["fields"])


def _reload(deliverable_id: int) -> Deliverable | None:
    db.session.expire_all()
    return db.session.get(Deliverable, deliverable_id)


def _update_count(deliverable_id: int | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(DeliverableUpdate)
    if deliverable_id is not None:
        stmt = stmt.where(DeliverableUpdate.deliverable_id == deliverable_id)
    return db.session.scalar(stmt)


def _version(world, deliverable_id: int) -> int:
    return world.get("coordinator", f"/api/v1/deliverables/{deliverable_id}").get_json()["version"]


def _new_body(world, **values) -> dict:
    return {"group": "ethics", "title": "Recomendaciones sobre IA en salud", "description": "Primer borrador",
            "owner_id": world.ids["member_ethics"], "due_date": (TODAY + timedelta(days=90)).isoformat(), **values}


# expected statuses per role
READ = {"anonymous": 401, "member_ethics": 200, "member_governance": 200, "lead_ethics": 200,
        "coordinator": 200, "admin": 200}
MANAGE_ETHICS = {"anonymous": 401, "member_ethics": 403, "member_governance": 403, "lead_ethics": None,
                 "coordinator": None, "admin": None}
UPDATE_ETHICS = {"anonymous": 401, "member_ethics": None, "member_governance": 403, "lead_ethics": None,
                 "coordinator": None, "admin": None}


def _allowed(rule: dict, role: str, ok: int) -> int:
    return rule[role] if rule[role] is not None else ok


# --- reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_everyone_with_a_token_may_list_deliverables(world, role):
    body = _expect(world.get(role, "/api/v1/deliverables"), READ[role])
    if READ[role] == 200:
        assert {"items", "page", "per_page", "total"} <= set(body)
        assert body["total"] == 1 and body["page"] == 1
        item = body["items"][0]
        assert LIST_KEYS <= set(item)
        assert (item["id"], item["group"], item["title"], item["status"], item["progress"], item["owner_id"]) == (
            world.item_id, "ethics", "Guía de ética", "in_progress", 10, world.ids["member_ethics"])
        assert item["due_date"] == world.item.due_date.isoformat()
        assert isinstance(item["version"], int)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_with_a_token_may_read_one_deliverable(world, role):
    body = _expect(world.get(role, f"/api/v1/deliverables/{world.item_id}"), READ[role])
    if READ[role] == 200:
        assert LIST_KEYS <= set(body)
        assert body["id"] == world.item_id and body["health"] in ("on_track", "at_risk", "off_track")


@pytest.mark.parametrize("deliverable_id", [0, 999999, 2**31, 99999999999999999999])
def test_an_unknown_deliverable_is_404(world, deliverable_id):
    _expect(world.get("member_ethics", f"/api/v1/deliverables/{deliverable_id}"), 404)
    _expect(world.get("member_ethics", f"/api/v1/deliverables/{deliverable_id}/updates"), 404)
    _expect(world.get("member_ethics", f"/api/v1/deliverables/{deliverable_id}/milestones"), 404)


@pytest.fixture
def catalogue(world):
    """Deliverables chosen so each filter selects a known set."""
    p = world.people
    made = {
        "A": factories.deliverable("ethics", owner=p["member_ethics"], title="Guía de evaluación de impacto",
                                   status="in_progress", progress=60, due_date=TODAY + timedelta(days=60)),
        "B": factories.deliverable("ethics", owner=p["lead_ethics"], title="Informe final 100% listo",
                                   status="done", progress=100, due_date=TODAY - timedelta(days=10)),
        "C": factories.deliverable("governance", owner=p["member_governance"], title="Catálogo de servicios",
                                   status="blocked", progress=20, due_date=TODAY - timedelta(days=5)),
        "D": factories.deliverable("governance", owner=p["member_governance"], title="guía de datos abiertos",
                                   status="not_started", progress=0, due_date=TODAY + timedelta(days=20)),
        "E": factories.deliverable("ethics", owner=p["member_ethics"], title="Mapa de actores_clave",
                                   status="in_review", progress=80, due_date=TODAY + timedelta(days=3)),
    }
    db.session.commit()
    ids = {name: d.id for name, d in made.items()}
    ids["W"] = world.item_id  # the world's own: ethics, in progress, 10 %, due in 60 days
    return ids


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["total"] == len(body["items"]), "these lists fit one page"
    return {item["id"] for item in body["items"]}


@pytest.mark.parametrize("query,expected", [
    ({}, "ABCDEW"),
    ({"group": "ethics"}, "ABEW"),
    ({"group": "governance"}, "CD"),
    ({"group": "research"}, ""),
    ({"status": "blocked"}, "C"),
    ({"status": "done"}, "B"),
    ({"group": "ethics", "status": "in_review"}, "E"),
    ({"overdue": "true"}, "C"),
    ({"overdue": "false"}, "ABCDEW"),
    ({"q": "guía"}, "ADW"),
    ({"q": "informe"}, "B"),
    ({"q": "%"}, "B"),
    ({"q": "_"}, "E"),
    ({"q": "' OR 1=1 --"}, ""),
    ({"q": "%' OR '1'='1"}, ""),
    ({"health": "off_track"}, "C"),
    ({"health": "at_risk"}, "D"),
    ({"health": "on_track"}, "ABEW"),
    ({"due_from": (TODAY + timedelta(days=1)).isoformat()}, "ADEW"),
    ({"due_to": TODAY.isoformat()}, "BC"),
    ({"group": "governance", "overdue": "true", "health": "off_track", "q": "catálogo"}, "C"),
], ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v)
def test_list_filters_select_the_right_deliverables(world, catalogue, query, expected):
    response = world.get("member_governance", "/api/v1/deliverables", query_string=query)
    assert _ids(response) == {catalogue[k] for k in expected}, query


@pytest.mark.parametrize("role,expected", [
    ("member_ethics", "AEW"), ("lead_ethics", "B"), ("member_governance", "CD"), ("coordinator", ""),
])
def test_owner_me_lists_only_the_callers_deliverables(world, catalogue, role, expected):
    assert _ids(world.get(role, "/api/v1/deliverables?owner=me")) == {catalogue[k] for k in expected}


def test_an_unknown_group_filter_gives_an_empty_list_or_422(world, catalogue):
    response = world.get("member_ethics", "/api/v1/deliverables?group=nope")
    if response.status_code == 200:
        assert response.get_json()["total"] == 0
    else:
        assert "group" in assert_error(response, 422)["fields"]


@pytest.mark.parametrize("query,field", [
    ("status=finished", "status"), ("health=great", "health"), ("owner=you", "owner"), ("overdue=maybe", "overdue"),
    ("q=" + "x" * 101, "q"), ("group=" + "x" * 41, "group"), ("due_from=2026-02-30", "due_from"),
    ("due_to=yesterday", "due_to"), ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
    ("per_page=0", "per_page"), ("per_page=x", "per_page"),
])
def test_a_bad_filter_is_422_naming_it(world, query, field):
    error = _expect(world.get("member_ethics", "/api/v1/deliverables?" + query), 422)
    assert field in error["fields"], error


@pytest.fixture
def many(world):
    """110 more deliverables, many sharing a due date, so pages must break ties the same way each time."""
    owner = world.people["member_ethics"]
    for n in range(110):
        factories.deliverable("ethics" if n % 2 else "governance", owner=owner, title=f"Lote {n:03d}",
                              due_date=TODAY + timedelta(days=30 + n % 3))
    db.session.commit()
    return 111


def test_per_page_is_capped_at_100(world, many):
    body = world.get("member_ethics", "/api/v1/deliverables?per_page=1000").get_json()
    assert body["per_page"] == 100
    assert len(body["items"]) == 100
    assert body["total"] == many


def test_pages_are_stable_cover_everything_once_and_report_the_total(world, many):
    seen: list[int] = []
    page = 1
    while True:
        body = world.get("member_ethics", f"/api/v1/deliverables?per_page=7&page={page}").get_json()
        assert (body["page"], body["per_page"], body["total"]) == (page, 7, many)
        if not body["items"]:
            break
        assert len(body["items"]) <= 7
        seen.extend(item["id"] for item in body["items"])
        page += 1
    assert len(seen) == len(set(seen)) == many, "an item was repeated or skipped between pages"
    assert page == -(-many // 7) + 1
    # The same order, page after page, as in one big page (ordered by due date).
    single = [item["id"] for item in world.get("member_ethics", "/api/v1/deliverables?per_page=100").get_json()["items"]]
    assert seen[:100] == single
    again = [item["id"] for item in world.get("member_ethics", "/api/v1/deliverables?per_page=7&page=3").get_json()[
        "items"]]
    assert again == seen[14:21]
    dues = [item["due_date"] for item in world.get("member_ethics", "/api/v1/deliverables?per_page=100").get_json()[
        "items"]]
    assert dues == sorted(dues)


def test_a_page_past_the_end_is_empty_with_the_right_total(world, many):
    body = world.get("member_ethics", "/api/v1/deliverables?per_page=50&page=9").get_json()
    assert body["items"] == [] and body["total"] == many and body["page"] == 9


def test_page_zero_is_422(world):
    assert "page" in _expect(world.get("member_ethics", "/api/v1/deliverables?page=0"), 422)["fields"]


# --- creating --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_create_a_deliverable_in_ethics_per_role(world, role):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    response = world.post(role, "/api/v1/deliverables", json=_new_body(world))
    body = _expect(response, _allowed(MANAGE_ETHICS, role, 201))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    if response.status_code == 201:
        assert LIST_KEYS <= set(body)
        assert (body["group"], body["title"], body["owner_id"], body["due_date"]) == (
            "ethics", "Recomendaciones sobre IA en salud", world.ids["member_ethics"],
            (TODAY + timedelta(days=90)).isoformat())
        assert body["description"] == "Primer borrador"
        assert (body["status"], body["progress"]) == ("not_started", 0)
        assert isinstance(body["version"], int)
        saved = _reload(body["id"])
        assert saved is not None and saved.group.slug == "ethics"
        assert count == before + 1
        assert world.get("member_governance", f"/api/v1/deliverables/{body['id']}").get_json() == body
    else:
        assert count == before


def test_a_lead_cannot_create_in_a_group_they_do_not_lead(world):
    _expect(world.post("lead_ethics", "/api/v1/deliverables", json=_new_body(world, group="governance")), 403)


def test_a_coordinator_may_create_in_any_group(world):
    body = _expect(world.post("coordinator", "/api/v1/deliverables", json=_new_body(world, group="data")), 201)
    assert body["group"] == "data"


def test_creating_in_an_unknown_group_is_404(world):
    _expect(world.post("coordinator", "/api/v1/deliverables", json=_new_body(world, group="nope")), 404)


@pytest.mark.parametrize("changes,field", [
    ({"due_date": "2026-02-30"}, "due_date"),
    ({"due_date": "31/12/2026"}, "due_date"),
    ({"due_date": ""}, "due_date"),
    ({"due_date": None}, "due_date"),
    ({"due_date": 20261231}, "due_date"),
    ({"owner_id": "7"}, "owner_id"),
    ({"owner_id": 7.5}, "owner_id"),
    ({"owner_id": True}, "owner_id"),
    ({"owner_id": None}, "owner_id"),
    ({"owner_id": 999999}, "owner_id"),
    ({"owner_id": -1}, "owner_id"),
    ({"owner_id": 99999999999999999999}, "owner_id"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": None}, "title"),
    ({"title": 42}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "x" * 20001}, "description"),
    ({"start_date": (TODAY + timedelta(days=200)).isoformat()}, "start_date"),
    ({"institution_ids": ["1"]}, "institution_ids"),
    ({"institution_ids": [999999]}, "institution_ids"),
    ({"institution_ids": "1,2"}, "institution_ids"),
    ({"group": ""}, "group"),
    ({"group": 5}, "group"),
    ({"status": "done"}, "status"),
    ({"progress": 50}, "progress"),
])
def test_create_with_a_bad_value_is_422_naming_it(world, changes, field):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    error = _expect(world.post("lead_ethics", "/api/v1/deliverables", json=_new_body(world, **changes)), 422)
    assert _names(error, field), error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable)) == before


@pytest.mark.parametrize("missing", ["title", "group", "owner_id", "due_date"])
def test_create_without_a_required_field_is_422_naming_it(world, missing):
    body = _new_body(world)
    del body[missing]
    error = _expect(world.post("lead_ethics", "/api/v1/deliverables", json=body), 422)
    assert missing in error["fields"], error


def test_create_with_an_inactive_owner_is_422(world):
    gone = factories.user(active=False, groups={"ethics": "member"})
    db.session.commit()
    error = _expect(world.post("lead_ethics", "/api/v1/deliverables", json=_new_body(world, owner_id=gone.id)), 422)
    assert "owner_id" in error["fields"]


def test_create_names_every_bad_field_at_once(world):
    body = {"group": "ethics", "title": "", "owner_id": "7", "due_date": "2026-02-30"}
    error = _expect(world.post("lead_ethics", "/api/v1/deliverables", json=body), 422)
    assert {"title", "owner_id", "due_date"} <= set(error["fields"])


def test_create_with_institutions(world):
    inst = factories.institution(name="Universidad de Prueba")
    db.session.commit()
    body = _expect(world.post("lead_ethics", "/api/v1/deliverables",
                              json=_new_body(world, institution_ids=[inst.id])), 201)
    assert body["institution_ids"] == [inst.id]


# --- editing (PATCH with a version) ----------------------------------------------------------

def _path(world) -> str:
    return f"/api/v1/deliverables/{world.item_id}"


@pytest.mark.parametrize("role", ROLES)
def test_patch_the_title_per_role(world, role):
    version = _version(world, world.item_id)
    response = world.patch(role, _path(world), json={"version": version, "title": "Guía de ética, segunda edición"})
    body = _expect(response, _allowed(MANAGE_ETHICS, role, 200))
    saved = _reload(world.item_id)
    if response.status_code == 200:
        assert body["title"] == saved.title == "Guía de ética, segunda edición"
        assert body["version"] == saved.version > version
    else:
        assert (saved.title, saved.version) == ("Guía de ética", version)


@pytest.mark.parametrize("role", ROLES)
def test_patch_status_and_progress_per_role_records_an_update(world, role):
    version = _version(world, world.item_id)
    response = world.patch(role, _path(world), json={"version": version, "status": "in_review", "progress": 70,
                                                     "note": "Listo para revisión"})
    body = _expect(response, _allowed(UPDATE_ETHICS, role, 200))
    saved = _reload(world.item_id)
    if response.status_code == 200:
        assert (body["status"], body["progress"]) == ("in_review", 70) == (saved.status, saved.progress)
        assert body["version"] == saved.version > version
        update = db.session.execute(sa.select(DeliverableUpdate)).scalar_one()
        assert (update.author_id, update.status_before, update.status_after, update.progress_before,
                update.progress_after, update.note) == (
            world.ids[role], "in_progress", "in_review", 10, 70, "Listo para revisión")
    else:
        assert (saved.status, saved.progress, saved.version) == ("in_progress", 10, version)
        assert _update_count() == 0


def test_patch_progress_alone_keeps_the_status(world):
    version = _version(world, world.item_id)
    body = _expect(world.patch("member_ethics", _path(world), json={"version": version, "progress": 35}), 200)
    assert (body["status"], body["progress"]) == ("in_progress", 35)
    assert _update_count(world.item_id) == 1


def test_a_member_patching_title_and_progress_together_is_403_and_nothing_is_written(world):
    version = _version(world, world.item_id)
    _expect(world.patch("member_ethics", _path(world), json={"version": version, "title": "Otro", "progress": 90}),
            403)
    saved = _reload(world.item_id)
    assert (saved.title, saved.progress, saved.version) == ("Guía de ética", 10, version)
    assert _update_count() == 0


def test_a_lead_may_patch_fields_and_progress_in_one_request(world):
    version = _version(world, world.item_id)
    due = (TODAY + timedelta(days=120)).isoformat()
    body = _expect(world.patch("lead_ethics", _path(world), json={
        "version": version, "title": "Guía revisada", "due_date": due, "status": "in_review", "progress": 75}), 200)
    assert (body["title"], body["due_date"], body["status"], body["progress"]) == ("Guía revisada", due, "in_review", 75)
    assert _update_count(world.item_id) == 1
    # The returned version is the one to send next.
    _expect(world.patch("lead_ethics", _path(world), json={"version": body["version"], "title": "Otra vez"}), 200)


def test_patch_changes_the_owner(world):
    version = _version(world, world.item_id)
    body = _expect(world.patch("lead_ethics", _path(world), json={
        "version": version, "owner_id": world.ids["lead_ethics"]}), 200)
    assert body["owner_id"] == world.ids["lead_ethics"]
    assert _reload(world.item_id).owner_id == world.ids["lead_ethics"]


@pytest.mark.parametrize("body", [{}, {"title": "Sin versión"}, {"progress": 50}])
def test_patch_without_a_version_is_422_naming_it(world, body):
    error = _expect(world.patch("lead_ethics", _path(world), json=body), 422)
    assert "version" in error["fields"], error
    assert _reload(world.item_id).title == "Guía de ética"


@pytest.mark.parametrize("version", ["1", 1.5, True, None, [1]])
def test_patch_with_a_version_that_is_not_a_whole_number_is_422(world, version):
    error = _expect(world.patch("lead_ethics", _path(world), json={"version": version, "title": "X"}), 422)
    assert "version" in error["fields"], error


@pytest.mark.parametrize("role,changes", [
    ("lead_ethics", {"title": "Cambio tardío"}),
    ("member_ethics", {"status": "done", "progress": 100}),
    ("lead_ethics", {"title": "Cambio tardío", "progress": 90}),
])
def test_patch_with_a_stale_version_is_409_with_the_current_deliverable(world, role, changes):
    stale = _version(world, world.item_id)
    first = _expect(world.patch("coordinator", _path(world), json={"version": stale, "title": "Guía, por otra persona"}),
                    200)
    response = world.patch(role, _path(world), json={"version": stale, **changes})
    error = _expect(response, 409)
    assert error["code"]
    current = response.get_json().get("current")
    assert isinstance(current, dict), response.get_json()
    assert current["id"] == world.item_id
    assert current["version"] == first["version"] != stale
    assert current["title"] == "Guía, por otra persona"
    assert (current["status"], current["progress"]) == ("in_progress", 10)
    assert LIST_KEYS <= set(current)
    assert current == world.get("coordinator", _path(world)).get_json()
    saved = _reload(world.item_id)
    assert (saved.title, saved.status, saved.progress) == ("Guía, por otra persona", "in_progress", 10)
    assert _update_count() == 0


@pytest.mark.parametrize("changes,field", [
    ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": None}, "title"),
    ({"due_date": "2026-02-30"}, "due_date"), ({"due_date": None}, "due_date"),
    ({"owner_id": "7"}, "owner_id"), ({"owner_id": 999999}, "owner_id"),
    ({"progress": 101}, "progress"), ({"progress": -1}, "progress"), ({"progress": "50"}, "progress"),
    ({"status": "finished"}, "status"), ({"note": "x" * 5001}, "note"),
    ({"start_date": (TODAY + timedelta(days=365)).isoformat()}, "start_date"),
    ({"group": "governance"}, "group"), ({"version_x": 1}, "version_x"), ({"id": 5}, "id"),
])
def test_patch_with_a_bad_or_unknown_field_is_422_naming_it(world, changes, field):
    version = _version(world, world.item_id)
    error = _expect(world.patch("lead_ethics", _path(world), json={"version": version, **changes}), 422)
    assert field in error["fields"], error
    saved = _reload(world.item_id)
    assert (saved.title, saved.progress, saved.version) == ("Guía de ética", 10, version)


def test_patch_an_unknown_deliverable_is_404(world):
    _expect(world.patch("coordinator", "/api/v1/deliverables/999999", json={"version": 1, "title": "X"}), 404)


# --- deleting --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_delete_per_role_archives(world, role):
    response = world.delete(role, _path(world))
    expected = _allowed(MANAGE_ETHICS, role, 204)
    if expected == 204:
        assert response.status_code == 204, response.get_data(as_text=True)[:300]
        assert response.get_data() == b""
        assert _reload(world.item_id).archived_at is not None
        # Gone for members and leads; coordinators still read it, marked archived.
        _expect(world.get("member_ethics", _path(world)), 404)
        _expect(world.get("lead_ethics", _path(world)), 404)
        assert _expect(world.get("coordinator", _path(world)), 200)["archived_at"] is not None
    else:
        _expect(response, expected)
        assert _reload(world.item_id).archived_at is None


def test_a_lead_cannot_delete_another_groups_deliverable(world):
    theirs = factories.deliverable("governance", owner=world.people["member_governance"])
    db.session.commit()
    _expect(world.delete("lead_ethics", f"/api/v1/deliverables/{theirs.id}"), 403)
    assert _reload(theirs.id).archived_at is None


def test_deleting_an_unknown_deliverable_is_404(world):
    _expect(world.delete("coordinator", "/api/v1/deliverables/999999"), 404)


def test_deleting_keeps_its_updates_and_milestones(world):
    _expect(world.post("member_ethics", f"{_path(world)}/updates", json={"status": "in_progress", "progress": 20}), 201)
    _expect(world.post("lead_ethics", f"{_path(world)}/milestones", json={"title": "Borrador"}), 201)
    assert world.delete("lead_ethics", _path(world)).status_code == 204
    db.session.expire_all()
    assert _update_count(world.item_id) == 2  # the update and the milestone's roll-up
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 1
    history = _expect(world.get("coordinator", f"{_path(world)}/updates"), 200)
    assert history["total"] == 2


def test_archived_deliverables_leave_the_list_and_coordinators_list_them_apart(world):
    assert world.delete("lead_ethics", _path(world)).status_code == 204
    for role in ("member_ethics", "coordinator"):
        assert world.item_id not in [d["id"] for d in _expect(world.get(role, "/api/v1/deliverables"), 200)["items"]]
    archived = _expect(world.get("coordinator", "/api/v1/deliverables?archived=true"), 200)
    assert [d["id"] for d in archived["items"]] == [world.item_id] and archived["total"] == 1
    _expect(world.get("member_ethics", "/api/v1/deliverables?archived=true"), 403)
    _expect(world.get("lead_ethics", "/api/v1/deliverables?archived=true"), 403)


def test_an_archived_deliverable_cannot_be_changed_until_restored(world):
    assert world.delete("coordinator", _path(world)).status_code == 204
    version = _reload(world.item_id).version
    refused = _expect(world.patch("coordinator", _path(world), json={"version": version, "title": "Otro"}), 409)
    assert refused["code"] == "archived" and "restaur" in refused["message"].lower()  # restore, restaurarlo
    _expect(world.post("coordinator", f"{_path(world)}/updates", json={"status": "done", "progress": 100}), 409)
    _expect(world.post("coordinator", f"{_path(world)}/milestones", json={"title": "Hito"}), 409)
    # Members and leads: it does not exist for them.
    _expect(world.post("member_ethics", f"{_path(world)}/updates", json={"status": "done", "progress": 100}), 404)
    _expect(world.post("lead_ethics", f"{_path(world)}/restore"), 404)

    restored = _expect(world.post("coordinator", f"{_path(world)}/restore"), 200)
    assert restored["id"] == world.item_id and restored["archived_at"] is None
    assert world.item_id in [d["id"] for d in _expect(world.get("member_ethics", "/api/v1/deliverables"), 200)["items"]]
    _expect(world.post("member_ethics", f"{_path(world)}/updates", json={"status": "done", "progress": 100}), 201)


def test_restoring_an_active_deliverable_changes_nothing_and_is_for_coordinators(world):
    assert _expect(world.post("admin", f"{_path(world)}/restore"), 200)["archived_at"] is None
    _expect(world.post("lead_ethics", f"{_path(world)}/restore"), 403)
    _expect(world.post("coordinator", "/api/v1/deliverables/999999/restore"), 404)


# --- updates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_post_an_update_per_role(world, role):
    response = world.post(role, f"{_path(world)}/updates",
                          json={"status": "in_review", "progress": 80, "note": "Borrador listo para revisión"})
    body = _expect(response, _allowed(UPDATE_ETHICS, role, 201))
    saved = _reload(world.item_id)
    if response.status_code == 201:
        assert (body["status_before"], body["status_after"]) == ("in_progress", "in_review")
        assert (body["progress_before"], body["progress_after"]) == (10, 80)
        assert body["note"] == "Borrador listo para revisión"
        assert body["author_id"] == world.ids[role]
        assert body["deliverable_id"] == world.item_id
        assert body["created_at"]
        assert (saved.status, saved.progress) == ("in_review", 80)
        assert _update_count(world.item_id) == 1
    else:
        assert (saved.status, saved.progress) == ("in_progress", 10)
        assert _update_count() == 0


def test_a_member_of_another_group_cannot_post_an_update(world):
    _expect(world.post("member_governance", f"{_path(world)}/updates", json={"status": "done", "progress": 100}), 403)
    assert _update_count() == 0


def test_an_update_bumps_the_version(world):
    version = _version(world, world.item_id)
    _expect(world.post("member_ethics", f"{_path(world)}/updates", json={"status": "in_progress", "progress": 15}), 201)
    assert _version(world, world.item_id) > version
    # A PATCH with the version read before the update is now stale.
    _expect(world.patch("lead_ethics", _path(world), json={"version": version, "title": "Tarde"}), 409)


def test_an_update_with_a_stale_version_is_409_with_current(world):
    stale = _version(world, world.item_id)
    _expect(world.post("member_ethics", f"{_path(world)}/updates", json={"status": "in_progress", "progress": 15}), 201)
    response = world.post("lead_ethics", f"{_path(world)}/updates",
                          json={"status": "done", "progress": 100, "version": stale})
    _expect(response, 409)
    assert response.get_json()["current"]["progress"] == 15
    assert _update_count() == 1


@pytest.mark.parametrize("progress", [101, -1, "50", True, False, 50.5, None, [50], {"value": 50}, 10**30])
def test_an_update_with_bad_progress_is_422_naming_progress(world, progress):
    error = _expect(world.post("member_ethics", f"{_path(world)}/updates",
                               json={"status": "in_progress", "progress": progress}), 422)
    assert "progress" in error["fields"], error
    assert _update_count() == 0


@pytest.mark.parametrize("body,field", [
    ({"progress": 50}, "status"), ({"status": "done"}, "progress"),
    ({"status": "finished", "progress": 50}, "status"), ({"status": None, "progress": 50}, "status"),
    ({"status": "done", "progress": 50, "note": "x" * 5001}, "note"),
    ({"status": "done", "progress": 50, "note": 5}, "note"),
    ({"status": "done", "progress": 50, "author_id": 1}, "author_id"),
])
def test_an_update_with_a_bad_or_missing_field_is_422_naming_it(world, body, field):
    error = _expect(world.post("member_ethics", f"{_path(world)}/updates", json=body), 422)
    assert field in error["fields"], error
    assert _update_count() == 0


def test_an_update_to_an_unknown_deliverable_is_404(world):
    _expect(world.post("coordinator", "/api/v1/deliverables/999999/updates",
                       json={"status": "done", "progress": 100}), 404)


def test_updates_are_listed_newest_first_in_pages(world):
    for progress in (20, 30, 40, 50, 60):
        _expect(world.post("member_ethics", f"{_path(world)}/updates",
                           json={"status": "in_progress", "progress": progress, "note": f"al {progress}"}), 201)
    first = _expect(world.get("member_governance", f"{_path(world)}/updates?per_page=2"), 200)
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert [u["progress_after"] for u in first["items"]] == [60, 50]
    assert [u["progress_before"] for u in first["items"]] == [50, 40]
    second = _expect(world.get("member_governance", f"{_path(world)}/updates?per_page=2&page=2"), 200)
    assert [u["progress_after"] for u in second["items"]] == [40, 30]
    third = _expect(world.get("member_governance", f"{_path(world)}/updates?per_page=2&page=3"), 200)
    assert [u["progress_after"] for u in third["items"]] == [20]
    assert third["items"][0]["note"] == "al 20"
    assert third["items"][0]["author_name"] == "Marta Miembro"
    everything = _expect(world.get("member_governance", f"{_path(world)}/updates?per_page=1000"), 200)
    assert everything["per_page"] == 100 and len(everything["items"]) == 5


def test_updates_list_needs_a_token_and_a_valid_page(world):
    _expect(world.get("anonymous", f"{_path(world)}/updates"), 401)
    assert "page" in _expect(world.get("member_ethics", f"{_path(world)}/updates?page=0"), 422)["fields"]


# --- milestones ------------------------------------------------------------------------------

def _milestones(world) -> str:
    return f"{_path(world)}/milestones"


def _add_milestone(world, **values) -> dict:
    return _expect(world.post("lead_ethics", _milestones(world), json=values), 201)


@pytest.mark.parametrize("role", ROLES)
def test_add_a_milestone_per_role(world, role):
    response = world.post(role, _milestones(world), json={"title": "Borrador", "weight": 2, "progress": 40,
                                                          "due_date": (TODAY + timedelta(days=10)).isoformat()})
    body = _expect(response, _allowed(MANAGE_ETHICS, role, 201))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    if response.status_code == 201:
        assert (body["title"], body["weight"], body["progress"]) == ("Borrador", 2, 40)
        assert body["due_date"] == (TODAY + timedelta(days=10)).isoformat()
        assert count == 1
        assert [m["id"] for m in _expect(world.get("member_governance", _milestones(world)), 200)] == [body["id"]]
    else:
        assert count == 0


@pytest.mark.parametrize("role", ROLES)
def test_record_milestone_progress_per_role(world, role):
    milestone = _add_milestone(world, title="Borrador", progress=0)
    response = world.patch(role, f"{_milestones(world)}/{milestone['id']}", json={"progress": 50})
    body = _expect(response, _allowed(UPDATE_ETHICS, role, 200))
    db.session.expire_all()
    saved = db.session.get(Milestone, milestone["id"])
    if response.status_code == 200:
        assert body["progress"] == saved.progress == 50
        assert body["title"] == "Borrador"
    else:
        assert saved.progress == 0


@pytest.mark.parametrize("role", ROLES)
def test_rename_a_milestone_per_role(world, role):
    milestone = _add_milestone(world, title="Borrador")
    response = world.patch(role, f"{_milestones(world)}/{milestone['id']}", json={"title": "Borrador final"})
    _expect(response, _allowed(MANAGE_ETHICS, role, 200))
    db.session.expire_all()
    expected = "Borrador final" if response.status_code == 200 else "Borrador"
    assert db.session.get(Milestone, milestone["id"]).title == expected


def test_a_member_cannot_reweigh_a_milestone(world):
    milestone = _add_milestone(world, title="Borrador", weight=1)
    _expect(world.patch("member_ethics", f"{_milestones(world)}/{milestone['id']}", json={"weight": 5}), 403)
    _expect(world.patch("member_ethics", f"{_milestones(world)}/{milestone['id']}",
                        json={"weight": 5, "progress": 30}), 403)
    db.session.expire_all()
    assert (db.session.get(Milestone, milestone["id"]).weight, db.session.get(Milestone, milestone["id"]).progress) == (
        1, 0)


@pytest.mark.parametrize("role", ROLES)
def test_delete_a_milestone_per_role(world, role):
    milestone = _add_milestone(world, title="Borrador")
    response = world.delete(role, f"{_milestones(world)}/{milestone['id']}")
    expected = _allowed(MANAGE_ETHICS, role, 204)
    db.session.expire_all()
    if expected == 204:
        assert response.status_code == 204
        assert db.session.get(Milestone, milestone["id"]) is None
    else:
        _expect(response, expected)
        assert db.session.get(Milestone, milestone["id"]) is not None


def test_milestones_roll_up_into_the_deliverables_progress(world):
    def progress() -> int:
        return _expect(world.get("member_ethics", _path(world)), 200)["progress"]

    assert progress() == 10
    first = _add_milestone(world, title="Borrador", weight=1, progress=100)
    assert progress() == 100
    second = _add_milestone(world, title="Consulta", weight=3, progress=0)
    assert progress() == 25  # (1×100 + 3×0) / 4
    _expect(world.patch("member_ethics", f"{_milestones(world)}/{second['id']}", json={"progress": 60}), 200)
    assert progress() == 70  # (100 + 180) / 4
    _expect(world.delete("lead_ethics", f"{_milestones(world)}/{first['id']}"), 204)
    assert progress() == 60
    kinds = [u["kind"] for u in _expect(world.get("member_ethics", f"{_path(world)}/updates"), 200)["items"]]
    assert kinds == ["milestone_removed", "milestone_progress", "milestone_added", "milestone_added"]


def test_unweighted_milestones_roll_up_as_a_plain_average(world):
    _add_milestone(world, title="Uno", progress=30)
    _add_milestone(world, title="Dos", progress=60)
    assert _expect(world.get("member_ethics", _path(world)), 200)["progress"] == 45


def test_a_milestone_of_another_deliverable_is_404(world):
    other = factories.deliverable("ethics", owner=world.people["member_ethics"])
    db.session.commit()
    theirs = _expect(world.post("lead_ethics", f"/api/v1/deliverables/{other.id}/milestones",
                                json={"title": "Ajeno"}), 201)
    _expect(world.patch("lead_ethics", f"{_milestones(world)}/{theirs['id']}", json={"progress": 10}), 404)
    _expect(world.delete("lead_ethics", f"{_milestones(world)}/{theirs['id']}"), 404)
    _expect(world.patch("lead_ethics", f"{_milestones(world)}/999999", json={"progress": 10}), 404)


@pytest.mark.parametrize("body,field", [
    ({}, "title"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 201}, "title"),
    ({"title": "M", "weight": 0}, "weight"), ({"title": "M", "weight": 1001}, "weight"),
    ({"title": "M", "weight": "2"}, "weight"), ({"title": "M", "progress": 101}, "progress"),
    ({"title": "M", "progress": "5"}, "progress"), ({"title": "M", "progress": True}, "progress"),
    ({"title": "M", "due_date": "2026-02-30"}, "due_date"), ({"title": "M", "position": 3}, "position"),
])
def test_a_bad_milestone_is_422_naming_the_field(world, body, field):
    error = _expect(world.post("lead_ethics", _milestones(world), json=body), 422)
    assert field in error["fields"], error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 0


@pytest.mark.parametrize("body,field", [
    ({"progress": 101}, "progress"), ({"progress": -1}, "progress"), ({"progress": "50"}, "progress"),
    ({"title": ""}, "title"), ({"weight": 0}, "weight"), ({"colour": "red"}, "colour"),
])
def test_a_bad_milestone_patch_is_422_naming_the_field(world, body, field):
    milestone = _add_milestone(world, title="Borrador", progress=20)
    error = _expect(world.patch("lead_ethics", f"{_milestones(world)}/{milestone['id']}", json=body), 422)
    assert field in error["fields"], error
    db.session.expire_all()
    assert db.session.get(Milestone, milestone["id"]).progress == 20


# --- the order of answers: who you are before what you sent ----------------------------------

@pytest.mark.parametrize("method,suffix,body", [
    ("POST", "/updates", {"status": "done", "progress": 101}),
    ("POST", "/updates", {}),
    ("POST", "/milestones", {"title": ""}),
    ("PATCH", "", {"title": ""}),
    ("DELETE", "", None),
])
def test_a_member_of_another_group_gets_403_whatever_the_body(world, method, suffix, body):
    # As the meetings API does: 401, then 404, then 403, and only then 422 about the body.
    kwargs = {"json": body} if body is not None else {}
    _expect(world.call("member_governance", method, _path(world) + suffix, **kwargs), 403)


@pytest.mark.parametrize("method,suffix,body", [
    ("POST", "/updates", {"status": "done", "progress": 101}),
    ("PATCH", "", {"title": ""}),
    ("POST", "/milestones", {}),
])
def test_an_unknown_deliverable_is_404_whatever_the_body(world, method, suffix, body):
    _expect(world.call("coordinator", method, "/api/v1/deliverables/999999" + suffix, json=body), 404)
