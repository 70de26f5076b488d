"""Institution pages: the searchable, paged list, one institution, and the create/edit form."""
from __future__ import annotations

import re

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.groups.models import group_lead_institutions
from coalition.institutions.models import Institution
from tests import factories
from tests.conftest import login, post_form

ROW_RE = re.compile(r'<a href="/institutions/(\d+)">')
FORM = {"name": "Centro Nuevo de IA", "acronym": "CNIA", "sector": "industry", "state": "NLE",
        "country": "", "website": "https://cnia.example.org", "joined_on": "2024-02-01", "active": "y",
        "description": "Investigación aplicada."}


def _page(response) -> str:
    return response.get_data(as_text=True)


def _field_error(page: str, field_id: str) -> str | None:
    match = re.search(rf'<div id="{field_id}-error"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(match.group(1).split()) if match else None


def _listed(client, query: str = "") -> list[int]:
    response = client.get("/institutions" + query)
    assert response.status_code == 200, query
    return [int(i) for i in ROW_RE.findall(_page(response))]


def _viewer(client, role: str = "member"):
    person = factories.user(role=role)
    db.session.commit()
    login(client, person)
    return person


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the list --------------------------------------------------------------------------------

def test_list_search_matches_name_or_acronym_in_any_case(client):
    unam = factories.institution(name="Universidad Nacional", acronym="UNAM")
    itam = factories.institution(name="Instituto Tecnológico", acronym="ITAM")
    factories.institution(name="Centro de Datos", acronym="CDD")
    _viewer(client)
    assert _listed(client, "?q=UNIVERSIDAD") == [unam.id]
    assert _listed(client, "?q=itam") == [itam.id]


def test_list_search_treats_percent_and_underscore_literally(client):
    percent = factories.institution(name="Fondo 100% Abierto")
    factories.institution(name="Fondo 1000 Abierto")
    underscore = factories.institution(name="Red_Datos")
    factories.institution(name="RedXDatos")
    _viewer(client)
    assert _listed(client, "?q=100%25") == [percent.id]
    assert _listed(client, "?q=%25") == [percent.id]
    assert _listed(client, "?q=Red_") == [underscore.id]
    assert _listed(client, "?q=_") == [underscore.id]


def test_list_filters_by_sector_and_by_state(client):
    gov_jal = factories.institution(name="A Gobierno Jalisco", sector="government", state="JAL")
    aca_jal = factories.institution(name="B Academia Jalisco", sector="academia", state="JAL")
    gov_yuc = factories.institution(name="C Gobierno Yucatán", sector="government", state="YUC")
    abroad = factories.institution(name="D Fuera", sector="international", state="abroad", country="Francia")
    _viewer(client)
    assert _listed(client, "?sector=government") == [gov_jal.id, gov_yuc.id]
    assert _listed(client, "?state=JAL") == [gov_jal.id, aca_jal.id]
    assert _listed(client, "?sector=government&state=YUC") == [gov_yuc.id]
    assert _listed(client, "?state=abroad") == [abroad.id]
    # An unknown filter value is ignored rather than an error.
    assert len(_listed(client, "?sector=pirates&state=Atlantis")) == 4


def test_list_keeps_the_filters_in_the_form(client):
    factories.institution(sector="government", state="YUC")
    _viewer(client)
    page = _page(client.get("/institutions?q=abc&sector=government&state=YUC"))
    assert 'value="abc"' in page
    assert '<option value="government" selected>' in page
    assert '<option value="YUC" selected>' in page


def test_list_pages_through_institutions(client):
    ids = [factories.institution(name=f"Institución {n:03d}").id for n in range(30)]
    _viewer(client)
    assert _listed(client, "?per_page=10&page=1") == ids[:10]
    assert _listed(client, "?per_page=10&page=3") == ids[20:30]
    assert _listed(client) == ids[:25]
    page = _page(client.get("/institutions?per_page=10&page=2"))
    assert 'rel="next"' in page and 'rel="prev"' in page


def test_list_per_page_is_capped_at_100(client):
    for n in range(105):
        factories.institution(name=f"Institución {n:03d}")
    _viewer(client)
    assert len(_listed(client, "?per_page=1000")) == 100
    assert len(_listed(client, "?per_page=1000&page=2")) == 5


def test_pagination_links_keep_the_filters(client):
    for n in range(3):
        factories.institution(name=f"Gobierno {n}", sector="government")
    _viewer(client)
    page = _page(client.get("/institutions?sector=government&per_page=1&page=2"))
    links = re.findall(r'<a class="page-link" href="([^"]+)" rel="(?:next|prev)"', page)
    assert len(links) == 2
    for link in links:
        assert "sector=government" in link and "per_page=1" in link


def test_pagination_survives_odd_query_arguments(client):
    for n in range(3):
        factories.institution(name=f"Institución {n}")
    _viewer(client)
    for query in ("?per_page=1&endpoint=x", "?per_page=1&_anchor=x", "?per_page=1&values=1"):
        response = client.get("/institutions" + query)
        assert response.status_code == 200, query
        assert len(ROW_RE.findall(_page(response))) == 1, query


def test_page_beyond_the_end_shows_an_empty_state(client):
    factories.institution()
    _viewer(client)
    response = client.get("/institutions?page=50")
    assert response.status_code == 200
    page = _page(response)
    assert ROW_RE.findall(page) == []
    assert "<table" not in page
    # The empty state offers a way back to the unfiltered list.
    assert 'href="/institutions"' in page


def test_garbage_page_values_do_not_break_the_list(client):
    inst = factories.institution()
    _viewer(client)
    for query in ("?page=abc", "?page=-3", "?page=0", "?page=99999999999999999999999", "?per_page=0",
                  "?per_page=-5", "?per_page=abc", "?page=1.5&per_page=1e9", "?q=" + "x" * 5000):
        response = client.get("/institutions" + query)
        assert response.status_code == 200, query
    assert _listed(client, "?page=abc&per_page=abc") == [inst.id]
    # A NUL character no database can store is refused outright, with a page, not a crash.
    assert client.get("/institutions?q=%00").status_code == 400


def test_anonymous_visitors_are_sent_to_login(client):
    inst = factories.institution()
    db.session.commit()
    for path in ("/institutions", f"/institutions/{inst.id}", "/institutions/new"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


# --- one institution -------------------------------------------------------------------------

def test_institution_page_shows_its_groups_and_people(client):
    inst = factories.institution(name="Universidad de Prueba", acronym="UP")
    factories.user(name="Ana Líder", groups={"ethics": "lead"}, institution_id=inst.id)
    factories.user(name="Beto Miembro", groups={"data": "member"}, institution_id=inst.id)
    factories.user(name="Carla Inactiva", institution_id=inst.id, active=False)
    factories.user(name="Diego Ajeno", groups={"research": "member"})
    db.session.execute(group_lead_institutions.insert().values(group_id=factories.group("ethics").id,
                                                               institution_id=inst.id))
    _viewer(client)
    response = client.get(f"/institutions/{inst.id}")
    assert response.status_code == 200
    page = _page(response)
    assert "Universidad de Prueba" in page
    assert 'href="/groups/ethics"' in page and "Ética de la IA" in page
    assert 'href="/groups/data"' in page
    assert 'href="/groups/research"' not in page
    assert "Ana Líder" in page and "Beto Miembro" in page
    assert "Carla Inactiva" not in page and "Diego Ajeno" not in page


def test_institution_page_in_english_names_groups_in_english(client):
    inst = factories.institution()
    factories.user(groups={"ethics": "member"}, institution_id=inst.id)
    _viewer(client)
    page = _page(client.get(f"/institutions/{inst.id}?lang=en"))
    assert "AI Ethics" in page and "Ética de la IA" not in page


def test_unknown_institution_is_404(client):
    _viewer(client)
    assert client.get("/institutions/999999").status_code == 404
    assert client.get("/institutions/99999999999999999999").status_code == 404


def test_edit_link_only_for_coordinators(app, client):
    inst = factories.institution()
    _viewer(client)
    assert f'href="/institutions/{inst.id}/edit"' not in _page(client.get(f"/institutions/{inst.id}"))
    coordinator_client = app.test_client()
    _viewer(coordinator_client, role="coordinator")
    assert f'href="/institutions/{inst.id}/edit"' in _page(coordinator_client.get(f"/institutions/{inst.id}"))


# --- creating and editing --------------------------------------------------------------------

def test_coordinator_creates_an_institution_with_an_audit_entry(client):
    coordinator = _viewer(client, role="coordinator")
    response = post_form(client, "/institutions/new", FORM)
    assert response.status_code == 302
    inst = db.session.execute(sa.select(Institution).where(Institution.name == "Centro Nuevo de IA")).scalar_one()
    assert response.headers["Location"].endswith(f"/institutions/{inst.id}")
    assert (inst.acronym, inst.sector, inst.state, inst.website) == ("CNIA", "industry", "NLE",
                                                                     "https://cnia.example.org")
    assert str(inst.joined_on) == "2024-02-01" and inst.active
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id, entry.subject_id) == ("institution.create", coordinator.id, inst.id)


def test_coordinator_edits_an_institution_with_an_audit_entry(client):
    inst = factories.institution(name="Nombre Viejo", sector="academia", state="JAL")
    coordinator = _viewer(client, role="coordinator")
    form_page = _page(client.get(f"/institutions/{inst.id}/edit"))
    assert 'value="Nombre Viejo"' in form_page
    response = post_form(client, f"/institutions/{inst.id}/edit",
                         {**FORM, "name": "Nombre Nuevo", "sector": "academia", "state": "abroad",
                          "country": "Canadá"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Institution, inst.id)
    assert (saved.name, saved.state, saved.country) == ("Nombre Nuevo", "abroad", "Canadá")
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id) == ("institution.edit", coordinator.id)
    assert entry.changes["name"] == ["Nombre Viejo", "Nombre Nuevo"]


def _assert_refused(client, path: str, values: dict, field: str) -> None:
    institutions, entries = _count(Institution), _count(AuditEntry)
    response = post_form(client, path, values)
    assert response.status_code == 422, (values, response.status_code)
    page = _page(response)
    assert _field_error(page, field), (field, page[:3000])
    db.session.expire_all()
    assert (_count(Institution), _count(AuditEntry)) == (institutions, entries)


def test_empty_name_is_shown_beside_the_field(client):
    _viewer(client, role="coordinator")
    _assert_refused(client, "/institutions/new", {**FORM, "name": ""}, "name")
    _assert_refused(client, "/institutions/new", {**FORM, "name": "    "}, "name")


def test_duplicate_name_is_shown_beside_the_field(client):
    factories.institution(name="Centro Nuevo de IA")
    _viewer(client, role="coordinator")
    _assert_refused(client, "/institutions/new", {**FORM, "name": "centro nuevo de ia"}, "name")


def test_bad_sector_or_state_is_shown_beside_the_field(client):
    _viewer(client, role="coordinator")
    _assert_refused(client, "/institutions/new", {**FORM, "sector": "military"}, "sector")
    _assert_refused(client, "/institutions/new", {**FORM, "state": "XXX"}, "state")


def test_abroad_without_country_is_shown_beside_the_country(client):
    _viewer(client, role="coordinator")
    _assert_refused(client, "/institutions/new", {**FORM, "state": "abroad", "country": ""}, "country")


def test_javascript_website_is_refused(client):
    _viewer(client, role="coordinator")
    _assert_refused(client, "/institutions/new", {**FORM, "website": "javascript:alert(1)"}, "website")
    _assert_refused(client, "/institutions/new", {**FORM, "website": "javascript://example.org/%0Aalert(1)"},
                    "website")


def test_invalid_edit_writes_nothing(client):
    inst = factories.institution(name="Sin Cambios", state="JAL")
    _viewer(client, role="coordinator")
    _assert_refused(client, f"/institutions/{inst.id}/edit",
                    {**FORM, "name": "Otro", "state": "abroad", "country": ""}, "country")
    db.session.expire_all()
    assert db.session.get(Institution, inst.id).name == "Sin Cambios"


def test_a_refused_form_keeps_what_was_typed(client):
    _viewer(client, role="coordinator")
    response = post_form(client, "/institutions/new", {**FORM, "state": "abroad", "country": "",
                                                       "description": "Texto que escribí"})
    assert response.status_code == 422
    page = _page(response)
    assert 'value="Centro Nuevo de IA"' in page
    assert "Texto que escribí" in page


def test_an_institution_description_cannot_inject_script(client):
    inst = factories.institution(description="<script>alert('x')</script> **negrita**",
                                 name="<script>alert('n')</script>")
    _viewer(client)
    page = _page(client.get(f"/institutions/{inst.id}"))
    assert "<script>alert" not in page
    assert "<script>alert" not in _page(client.get("/institutions"))
