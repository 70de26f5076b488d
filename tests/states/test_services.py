"""State chapters: counts per chapter (members' and public), and the liaisons a coordinator names."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.consultations.models import Contribution
from coalition.database import utcnow
from coalition.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.policy import permissions as policy_permissions
from coalition.policy import services as policy
from coalition.states import services
from coalition.states.models import CHAPTERS, StateLiaison
from tests import factories
from tests.consultations.helpers import consultation
from tests.policy.records import coordinator, instrument, liaison
from tests.test_query_counts import count_queries

_receipts = itertools.count(1)


def contributions(item, state: str, n: int, **values) -> None:
    for _ in range(n):
        db.session.add(Contribution(consultation_id=item.id, receipt_hash=f"{next(_receipts):064d}",
                                    sector="academia", state=state, **values))
    db.session.flush()


def engagement(actor, state: str, **values):
    return policy.create_engagement(actor, **{"kind": "forum", "title": "Foro", "held_on": date(2025, 3, 1),
                                              "jurisdiction": state, "body": "Congreso", **values})


def coalition_in_states():
    """Institutions, people, contributions, instruments and engagements in Jalisco, Sonora and abroad."""
    boss = coordinator()
    listed = factories.institution(state="JAL", listed=True)
    unlisted = factories.institution(state="JAL")
    factories.institution(state="JAL", active=False)
    sonora = factories.institution(state="SON", listed=True)
    factories.institution(state="abroad")
    for inst in (listed, listed, unlisted, sonora):
        factories.user(institution_id=inst.id)
    factories.user(institution_id=sonora.id, active=False)
    closed = consultation(phase="analysed", opens_in_days=-30, closes_in_days=-2)
    closed.results_published, closed.results_published_at = True, utcnow()
    still_open = consultation()
    contributions(closed, "JAL", 6)
    contributions(closed, "SON", 3)
    contributions(closed, "NLE", 3)
    contributions(still_open, "JAL", 4)
    contributions(still_open, "CMX", 5)
    contributions(closed, "CMX", 2, hidden_at=utcnow())
    published = instrument(boss)
    policy.set_instrument_published(boss, published.id, published=True)
    instrument(boss)
    instrument(boss, jurisdiction="municipal", state="SON", place="Hermosillo")
    instrument(boss, jurisdiction="federal")
    shown = engagement(boss, "JAL")
    policy.set_engagement_published(boss, shown.id, published=True)
    engagement(boss, "SON")
    engagement(boss, "abroad")
    db.session.commit()
    return boss


def test_chapter_counts_count_every_chapter(app):
    coalition_in_states()
    counts = services.chapter_counts()
    assert list(counts) == list(CHAPTERS) and len(counts) == 33
    jal, son, abroad = counts["JAL"], counts["SON"], counts["abroad"]
    assert (jal.name, jal.institutions, jal.people, jal.instruments, jal.engagements) == ("Jalisco", 2, 3, 2, 1)
    assert (son.institutions, son.people, son.instruments, son.engagements) == (1, 1, 1, 1)
    assert (abroad.institutions, abroad.engagements) == (1, 1)
    # Small cells, consultation by consultation: in the closed one Sonora's and Nuevo León's 3 are hidden
    # (together 6, enough); in the open one Jalisco's 4 is hidden, and Mexico City's 5 with it (a hidden 4
    # alone could be worked out). A state adds up only the cells shown: no total reveals a hidden cell.
    assert (jal.contributions, counts["CMX"].contributions) == (6, None)
    assert counts["SON"].contributions is None and counts["NLE"].contributions is None
    assert counts["ZAC"].contributions == 0 and counts["ZAC"].institutions == 0


def test_public_counts_only_listed_published_and_public_results(app):
    coalition_in_states()
    counts = services.chapter_counts(public=True)
    jal, son = counts["JAL"], counts["SON"]
    assert (jal.institutions, jal.people, jal.instruments, jal.engagements) == (1, 0, 1, 1)
    assert (son.institutions, son.people, son.instruments, son.engagements) == (1, 0, 0, 0)
    assert jal.contributions == 6  # the open consultation's 4 are not public
    assert counts["CMX"].contributions == 0 and son.contributions is None


def test_chapter_counts_take_five_queries_whatever_the_data(app):
    with count_queries() as few:
        services.chapter_counts()
    coalition_in_states()
    with count_queries() as many:
        services.chapter_counts()
    assert len(few) == len(many) == 5


def test_counts_for_reads_any_case_and_refuses_unknown_codes(app):
    coalition_in_states()
    person = factories.user()
    assert services.counts_for(person, "jal").institutions == 2
    assert services.counts_for(person, "MX-JAL").code == "JAL"
    assert services.counts_for(person, "Abroad").code == "abroad"
    for bad in ("XX", "", None, "j" * 500, 12):
        with pytest.raises(NotFound):
            services.counts_for(person, bad)
    with pytest.raises(NotAuthenticated):
        services.counts_for(None, "JAL")
    assert len(services.all_counts(person)) == 33


# --- liaisons ------------------------------------------------------------------------------------

def liaison_audit() -> list[tuple[str, dict]]:
    return [(a, c) for a, c in db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.changes).where(AuditEntry.action.like("liaison.%"))
        .order_by(AuditEntry.id))]


def test_a_coordinator_appoints_a_liaison_who_may_then_record_that_state(app):
    boss, person = coordinator(), factories.user()
    assert not policy_permissions.can_record(person, "JAL")
    named = services.appoint_liaison(boss, state="jal", user_id=person.id)
    assert (named.state, named.user_id, named.appointed_by_id) == ("JAL", person.id, boss.id)
    assert person.liaison_states() == frozenset({"JAL"})
    assert policy_permissions.can_record(person, "JAL") and not policy_permissions.can_record(person, "SON")
    assert [l.user_id for l in services.liaisons_of("JAL")] == [person.id]
    assert liaison_audit() == [("liaison.appoint", {"state": [None, "JAL"]})]


def test_appointing_twice_makes_one_liaison_and_one_audit_entry(app):
    boss, person = coordinator(), factories.user()
    first = services.appoint_liaison(boss, state="JAL", user_id=person.id)
    again = services.appoint_liaison(boss, state="JAL", user_id=person.id)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StateLiaison)) == 1
    assert len(liaison_audit()) == 1


def test_removing_a_liaison_is_audited_once_and_takes_the_right_away(app):
    boss, person = coordinator(), liaison("JAL")
    assert policy_permissions.can_record(person, "JAL")
    services.remove_liaison(boss, state="JAL", user_id=person.id)
    services.remove_liaison(boss, state="JAL", user_id=person.id)
    assert person.liaison_states() == frozenset() and services.liaisons_of("JAL") == []
    assert liaison_audit() == [("liaison.remove", {"state": ["JAL", None]})]
    with pytest.raises(PermissionDenied):
        instrument(person)


def test_only_coordinators_name_or_remove_liaisons(app):
    member, other, person = factories.user(), liaison("JAL"), factories.user()
    for actor in (member, other):
        with pytest.raises(PermissionDenied):
            services.appoint_liaison(actor, state="JAL", user_id=person.id)
        with pytest.raises(PermissionDenied):
            services.remove_liaison(actor, state="JAL", user_id=other.id)
    with pytest.raises(NotAuthenticated):
        services.appoint_liaison(None, state="JAL", user_id=person.id)
    assert [named.user_id for named in services.liaisons_of("JAL")] == [other.id] and liaison_audit() == []


def test_appointing_refuses_unknown_states_and_inactive_or_unknown_people(app):
    boss = coordinator()
    gone = factories.user(active=False)
    with pytest.raises(NotFound):
        services.appoint_liaison(boss, state="XX", user_id=factories.user().id)
    for bad in (gone.id, 999_999, "abc", None):
        with pytest.raises(ValidationError) as error:
            services.appoint_liaison(boss, state="JAL", user_id=bad)
        assert set(error.value.fields) == {"user_id"}
    with pytest.raises(NotFound):
        services.remove_liaison(boss, state="JAL", user_id="abc")


def test_an_admin_appoints_liaisons_too(app):
    admin, person = factories.user(role="admin"), factories.user()
    services.appoint_liaison(admin, state="SON", user_id=person.id)
    assert person.liaison_states() == frozenset({"SON"})


def test_a_states_total_cannot_be_set_against_a_consultations_page(app):
    """The reviewer's attack: A shows Jalisco's 6, B hides Jalisco's 3; a total of 9 would give the 3 away."""
    first, second = consultation(), consultation()
    for survey, jal in ((first, 6), (second, 3)):
        contributions(survey, "JAL", jal)
        contributions(survey, "NLE", 10)
        contributions(survey, "CMX", 10)
    db.session.commit()
    counts = services.chapter_counts()
    assert counts["JAL"].contributions == 6
    # In B, Jalisco's 3 alone could be worked out from B's total: Mexico City's 10 is hidden with it.
    assert (counts["NLE"].contributions, counts["CMX"].contributions) == (20, 10)
