"""Themes, the coding queue and its audit trail, the search, hiding: the rules behind pages and API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.analysis import services
from coalition.audit.models import AuditEntry
from coalition.consultations.models import HIDE_REASON_MAX, Coding, Contribution
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from tests import factories
from tests.analysis import factories as consult


def audit_of(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# --- themes ----------------------------------------------------------------------------------

def test_lead_of_a_consultation_group_adds_a_theme_and_it_is_audited(people, consultation):
    theme = services.create_theme(people["lead"], consultation, name_es="Educación", name_en="Education")
    assert theme.created_by_id == people["lead"].id
    [entry] = audit_of("theme.created")
    assert entry.subject_id == theme.id and entry.changes["name_es"] == "Educación"


@pytest.mark.parametrize("who", ["member", "other", "other_lead"])
def test_only_leads_of_its_groups_and_coordinators_keep_themes(people, consultation, who):
    with pytest.raises(PermissionDenied):
        services.create_theme(people[who], consultation, name_es="Salud", name_en="Health")


def test_a_theme_name_is_used_once_per_consultation(people, consultation):
    services.create_theme(people["coordinator"], consultation, name_es="Salud", name_en="Health")
    with pytest.raises(ValidationError) as error:
        services.create_theme(people["coordinator"], consultation, name_es="Salud", name_en="Health care")
    assert "name_es" in error.value.fields


def test_a_theme_needs_both_names(people, consultation):
    with pytest.raises(ValidationError) as error:
        services.create_theme(people["lead"], consultation, name_es="  ", name_en="")
    assert set(error.value.fields) == {"name_es", "name_en"}


def test_editing_a_theme_records_what_changed(people, consultation):
    theme = consult.theme(consultation, "Salud")
    services.edit_theme(people["lead"], theme.id, name_en="Public health")
    [entry] = audit_of("theme.changed")
    assert entry.changes == {"name_en": ["Salud", "Public health"]}


def test_theme_rows_count_only_visible_coded_contributions(people, consultation):
    theme = consult.theme(consultation)
    consult.code(consult.contribution(consultation), theme)
    consult.code(consult.contribution(consultation, hidden_at=factories.days_ago(1), hidden_reason="x"), theme)
    [row] = services.theme_rows(people["member"], consultation)
    assert row.coded == 1


# --- the queue and coding --------------------------------------------------------------------

def test_queue_shows_the_next_uncoded_visible_contribution_and_the_progress(people, consultation):
    theme = consult.theme(consultation)
    first = consult.contribution(consultation)
    consult.contribution(consultation, hidden_at=factories.days_ago(1), hidden_reason="spam")
    third = consult.contribution(consultation)
    consult.code(first, theme)
    queue = services.next_in_queue(people["member"], consultation)
    assert queue.contribution.id == third.id
    assert (queue.coded, queue.total) == (1, 2)


def test_skipping_moves_past_a_contribution_and_wraps_round(people, consultation):
    a, b = consult.contribution(consultation), consult.contribution(consultation)
    assert services.next_in_queue(people["member"], consultation, after=a.id).contribution.id == b.id
    assert services.next_in_queue(people["member"], consultation, after=b.id).contribution.id == a.id


def test_people_outside_the_consultation_groups_cannot_code(people, consultation):
    contribution = consult.contribution(consultation)
    with pytest.raises(PermissionDenied):
        services.next_in_queue(people["other"], consultation)
    with pytest.raises(PermissionDenied):
        services.set_themes(people["other_lead"], contribution.id, [])


def test_each_group_of_a_consultation_takes_its_share(people):
    consultation = consult.consultation(("ethics", "governance"))
    items = [consult.contribution(consultation) for _ in range(6)]
    ethics, governance = consultation.groups
    mine = services.next_in_queue(people["member"], consultation, group=ethics)
    theirs = services.next_in_queue(people["member"], consultation, group=governance)
    assert mine.total + theirs.total == 6
    assert mine.contribution.id % 2 != theirs.contribution.id % 2
    assert services.queue_group(people["member"], consultation, None) == ethics
    assert services.queue_group(people["coordinator"], consultation, None) is None
    assert services.next_in_queue(people["coordinator"], consultation).total == len(items)


def test_coding_records_who_and_when_and_every_change_is_audited(people, consultation):
    a, b = consult.theme(consultation), consult.theme(consultation)
    contribution = consult.contribution(consultation)
    assert services.set_themes(people["member"], contribution.id, [a.id, b.id]) == ([a.id, b.id], [])
    coding = db.session.get(Coding, (contribution.id, a.id))
    assert coding.coded_by_id == people["member"].id and coding.coded_at is not None
    assert services.set_themes(people["lead"], contribution.id, [b.id]) == ([], [a.id])
    assert services.set_themes(people["lead"], contribution.id, [b.id]) == ([], [])
    entries = audit_of("coding.changed")
    assert [(e.actor_id, e.changes) for e in entries] == [
        (people["member"].id, {"added": [a.id, b.id], "removed": []}),
        (people["lead"].id, {"added": [], "removed": [a.id]})]


def test_coding_refuses_a_theme_of_another_consultation(people, consultation):
    elsewhere = consult.theme(consult.consultation(("ethics",)))
    contribution = consult.contribution(consultation)
    with pytest.raises(ValidationError):
        services.set_themes(people["member"], contribution.id, [elsewhere.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Coding)) == 0


# --- hiding ----------------------------------------------------------------------------------

def test_a_lead_hides_a_contribution_with_a_reason_and_it_is_kept(people, consultation):
    contribution = consult.contribution(consultation)
    services.hide(people["lead"], contribution.id, "Publicidad")
    db.session.expire_all()
    kept = db.session.get(Contribution, contribution.id)
    assert kept.is_hidden and kept.hidden_reason == "Publicidad" and kept.hidden_by_id == people["lead"].id
    assert audit_of("contribution.hidden")[0].changes["hidden"] is True
    services.unhide(people["coordinator"], contribution.id)
    assert not db.session.get(Contribution, contribution.id).is_hidden
    assert audit_of("contribution.hidden")[1].changes["hidden"] is False


@pytest.mark.parametrize("reason", ["", "   ", "x" * (HIDE_REASON_MAX + 1), None])
def test_hiding_needs_a_reason_within_the_limit(people, consultation, reason):
    contribution = consult.contribution(consultation)
    with pytest.raises(ValidationError):
        services.hide(people["lead"], contribution.id, reason)


@pytest.mark.parametrize("who", ["member", "other_lead"])
def test_members_and_leads_of_other_groups_cannot_hide(people, consultation, who):
    contribution = consult.contribution(consultation)
    with pytest.raises(PermissionDenied):
        services.hide(people[who], contribution.id, "Publicidad")


def test_a_hidden_contribution_does_not_exist_for_members(people, consultation):
    hidden = consult.contribution(consultation, hidden_at=factories.days_ago(1), hidden_reason="x")
    with pytest.raises(NotFound):
        services.get_contribution(people["member"], hidden.id)
    assert services.get_contribution(people["lead"], hidden.id).id == hidden.id


# --- the search ------------------------------------------------------------------------------

def ids(page) -> set[int]:
    return {c.id for c in page.items}


def test_search_filters_by_profile_theme_question_and_hidden(people, consultation):
    theme = consult.theme(consultation)
    a = consult.contribution(consultation, "La salud pública", sector="industry", channel="workshop", choice=2)
    b = consult.contribution(consultation, "Escuelas y maestros", state="NLE")
    hidden = consult.contribution(consultation, "Oculto", hidden_at=factories.days_ago(1), hidden_reason="x")
    consult.code(a, theme)
    search = lambda actor=people["member"], **f: ids(  # noqa: E731
        services.search(actor, consultation, services.SearchFilters(**f), 1, 25))
    assert search() == {a.id, b.id}
    assert search(sector="industry") == {a.id}
    assert search(state="NLE") == {b.id}
    assert search(channel="workshop") == {a.id}
    assert search(theme=theme.id) == {a.id}
    assert search(theme="uncoded") == {b.id}
    assert search(question=1, answer="maestros") == {b.id}
    assert search(question=2, answer="2") == {a.id}
    assert search(question=2, answer="Salud") == {a.id}
    assert search(question=9) == set()
    assert search(people["lead"], hidden="only") == {hidden.id}
    assert search(people["coordinator"], hidden="include") == {a.id, b.id, hidden.id}
    with pytest.raises(PermissionDenied):
        search(hidden="include")
    with pytest.raises(ValidationError):
        search(sector="nobody")


def test_text_search_ignores_case_and_on_sqlite_accents(people, consultation):
    match = consult.contribution(consultation, "La EDUCACIÓN digital en escuelas rurales")
    consult.contribution(consultation, "Salud pública")
    # PostgreSQL's Spanish text search keeps accents (the fixed index has no unaccent): there, words as written.
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for q in (("educacion", "Educación digital", "ESCUELAS educación") if sqlite else
              ("educación", "Educación DIGITAL", "ESCUELAS educación")):
        assert ids(services.search(people["member"], consultation, services.SearchFilters(q=q), 1, 25)) == {match.id}


@pytest.mark.postgres
def test_full_text_search_on_postgres_uses_spanish_stemming(people, consultation):
    match = consult.contribution(consultation, "Las escuelas necesitan maestros capacitados")
    consult.contribution(consultation, "Salud pública")
    page = services.search(people["member"], consultation, services.SearchFilters(q="escuela maestro"), 1, 25)
    assert ids(page) == {match.id}


def test_uncoded_by_group_counts_each_groups_share(people):
    consultation = consult.consultation(("ethics", "governance"))
    theme = consult.theme(consultation)
    items = [consult.contribution(consultation) for _ in range(5)]
    consult.code(items[0], theme)
    ethics, governance = consultation.groups
    counts = services.uncoded_by_group([ethics.id, governance.id])
    total = sum(n for rows in counts.values() for _c, n in rows)
    assert total == 4
    assert counts[ethics.id][0][1] == services.next_in_queue(people["member"], consultation, group=ethics).total \
        - services.next_in_queue(people["member"], consultation, group=ethics).coded
