"""submit_contribution (the one door for contributions), running consultations, and receipts."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from coalition.audit.models import AuditEntry
from coalition.consultations import receipts, services
from coalition.consultations.models import (
    ANSWER_MAX, Answer, Coding, Comment, Contribution, Question, Theme)
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from coalition.recommendations.models import RecommendationRevision, SourceContribution, SourceTheme
from tests import factories
from tests.consultations import helpers as h

SOURCE = "203.0.113.7"


def contributions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Contribution))


def mails(kind: str = "receipt") -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def refused(consultation, data, **kwargs) -> dict:
    savepoint = db.session.begin_nested()
    with pytest.raises(ValidationError) as caught:
        services.submit_contribution(consultation, data, source=SOURCE, **kwargs)
    savepoint.rollback()
    assert contributions() == 0
    return caught.value.fields


# --- a good contribution ---------------------------------------------------------------------

def test_a_good_contribution_stores_answers_comments_profile_and_only_the_receipts_hash(app):
    item, rec = h.full_consultation()
    data = h.good_data(rec)
    contribution, code = services.submit_contribution(item.slug, data, source=SOURCE, language="en")
    assert receipts.normalise_code(code) == code
    assert contribution.receipt_hash == receipts.code_hash(code) and code not in contribution.receipt_hash
    assert (contribution.sector, contribution.state, contribution.institution, contribution.age_band,
            contribution.gender, contribution.language, contribution.channel) == (
        "academia", "JAL", "UdeG", "30_44", "mujer", "en", "online")
    answers = db.session.scalars(sa.select(Answer).where(Answer.contribution_id == contribution.id)).all()
    texts = [a.text for a in answers if a.text]
    chosen = sorted((a.question.position, a.choice.position) for a in answers if a.choice_id)
    assert texts == [data["answers"]["q1"]]
    assert chosen == [(2, 1), (3, 1), (3, 3)]
    comment = db.session.scalars(sa.select(Comment)).one()
    assert (comment.recommendation_id, comment.text) == (rec.id, data["comments"][str(rec.id)])
    assert data["answers"]["q1"] in contribution.search_text and comment.text in contribution.search_text
    assert contribution.source_hash == receipts.source_hash(SOURCE) and SOURCE not in contribution.source_hash


def test_choices_may_be_sent_as_numbers_or_digit_strings_and_repeats_count_once(app):
    item, rec = h.full_consultation()
    contribution, _ = services.submit_contribution(item, h.good_data(answers={"q1": "x", "q2": 2, "q3": [2, "2"]}))
    assert sorted(a.choice.position for a in contribution.answers if a.choice_id) == [2, 2]
    assert len([a for a in contribution.answers if a.question.position == 3]) == 1


# --- every validation, nothing stored ----------------------------------------------------------

def test_a_required_question_without_an_answer_is_refused_on_its_input_name(app):
    item, rec = h.full_consultation()
    assert "q1" in refused(item, h.good_data(rec, answers={"q1": "   ", "q2": "1"}))


@pytest.mark.parametrize("answers,name", [
    ({"q1": "x", "q2": "7"}, "q2"),
    ({"q1": "x", "q2": ["1", "2"]}, "q2"),
    ({"q1": "x", "q3": ["1", "9"]}, "q3"),
    ({"q1": "x", "q3": [{"a": 1}]}, "q3"),
    ({"q1": ["a list"]}, "q1"),
    ({"q1": "x", "q9": "no such question"}, "q9"),
    ({"q1": "texto\x00con nulo"}, "q1"),
])
def test_choices_outside_the_list_and_unknown_questions_are_refused(app, answers, name):
    item, rec = h.full_consultation()
    assert name in refused(item, h.good_data(answers=answers))


def test_an_answer_longer_than_the_limit_is_refused(app):
    item, rec = h.full_consultation()
    assert "q1" in refused(item, h.good_data(answers={"q1": "a" * (ANSWER_MAX + 1)}))
    assert f"r{rec.id}" in refused(item, h.good_data(comments={str(rec.id): "b" * (ANSWER_MAX + 1)},
                                                     answers={"q1": "x"}))


def test_a_comment_on_a_recommendation_not_up_for_comment_is_refused(app):
    item, rec = h.full_consultation()
    other = h.recommendation()
    assert f"r{other.id}" in refused(item, h.good_data(comments={str(other.id): "Hola"}))


@pytest.mark.parametrize("changes,name", [
    ({"sector": "aliens"}, "sector"), ({"sector": None}, "sector"), ({"state": "XX"}, "state"),
    ({"state": None}, "state"), ({"age_band": "99"}, "age_band"), ({"gender": "g" * 500}, "gender"),
    ({"institution": "i" * 5000}, "institution"), ({"email": "not an address"}, "email"),
    ({"notify": True, "email": None}, "email"), ({"consent": False}, "consent"), ({"consent": None}, "consent"),
    ({"consent": "no"}, "consent"),
])
def test_every_profile_key_is_checked(app, changes, name):
    item, rec = h.full_consultation()
    assert name in refused(item, h.good_data(rec, **changes))


def test_a_contribution_with_nothing_in_it_is_refused(app):
    item = h.consultation(kind="questions")
    h.question(item, "text")
    assert "answers" in refused(item, h.good_data(answers={}))


def test_consent_is_required_before_anything_is_stored_even_with_good_answers(app):
    item, rec = h.full_consultation()
    fields = refused(item, h.good_data(rec, consent=False, email="a@example.org"))
    assert list(fields) == ["consent"]
    assert mails() == []


# --- closed, bots, duplicates ------------------------------------------------------------------

@pytest.mark.parametrize("values", [
    {"closes_in_days": -1, "opens_in_days": -5},  # closed
    {"opens_in_days": 2},                           # scheduled
    {"phase": "analysed", "closes_in_days": -1, "opens_in_days": -5},
])
def test_a_consultation_that_is_not_open_stores_nothing(app, values):
    item, rec = h.full_consultation(**values)
    with pytest.raises(services.ConsultationClosed) as caught:
        services.submit_contribution(item.slug, h.good_data(rec, email="a@example.org"), source=SOURCE)
    assert caught.value.status == 410
    assert contributions() == 0 and mails() == []


def test_a_draft_does_not_exist_for_contributors_and_stores_nothing(app):
    item, rec = h.full_consultation(phase="draft")
    with pytest.raises(NotFound):
        services.submit_contribution(item.slug, h.good_data(rec, email="a@example.org"), source=SOURCE)
    assert contributions() == 0 and mails() == []


def test_an_unknown_consultation_is_not_found(app):
    with pytest.raises(NotFound):
        services.submit_contribution("no-such-consultation", h.good_data())


def test_a_filled_honeypot_stores_nothing_and_sends_no_receipt(app):
    item, rec = h.full_consultation()
    with pytest.raises(services.NotStored) as caught:
        services.submit_contribution(item, {**h.good_data(rec, email="bot@example.org"),
                                            services.HONEYPOT: "http://spam.example"}, source=SOURCE)
    assert caught.value.reason == "honeypot"
    assert contributions() == 0 and mails() == []


def test_the_same_text_from_the_same_address_within_a_day_is_refused_quietly(app):
    item, rec = h.full_consultation()
    data = h.good_data(rec)
    first, _ = services.submit_contribution(item, data, source=SOURCE)
    # The same words, differently cased and spaced, are the same text.
    again = {**data, "answers": {**data["answers"], "q1": "  " + data["answers"]["q1"].upper() + " "}}
    with pytest.raises(services.NotStored) as caught:
        services.submit_contribution(item, again, source=SOURCE)
    assert caught.value.reason == "duplicate"
    assert contributions() == 1
    # From another address, or a day later, it is a new contribution.
    services.submit_contribution(item, data, source="198.51.100.1")
    services.submit_contribution(item, data, source=SOURCE, now=first.submitted_at + timedelta(hours=25))
    assert contributions() == 3


def test_different_text_from_the_same_address_is_welcome(app):
    item, rec = h.full_consultation()
    services.submit_contribution(item, h.good_data(rec), source=SOURCE)
    services.submit_contribution(item, h.good_data(rec), source=SOURCE)
    assert contributions() == 2


# --- e-mail ---------------------------------------------------------------------------------

def test_an_address_without_notify_gets_the_receipt_but_is_not_kept(app):
    item, rec = h.full_consultation()
    contribution, code = services.submit_contribution(item, h.good_data(rec, email="Ana@Example.org"))
    assert contribution.email is None
    (mail,) = mails()
    assert mail.recipient == "ana@example.org" and code in mail.text_body and f"/receipts/{code}" in mail.html_body
    # Nothing in the outbox ties the address to the contribution: not the key, not the subject.
    assert mail.dedupe_key != f"receipt:{contribution.id}" and contribution.receipt_hash not in mail.dedupe_key
    assert code not in mail.subject


def test_an_address_with_notify_is_kept(app):
    item, rec = h.full_consultation()
    contribution, _ = services.submit_contribution(item, h.good_data(rec, email="ana@example.org", notify=True))
    assert contribution.email == "ana@example.org"
    assert len(mails()) == 1


def test_no_address_no_mail(app):
    item, rec = h.full_consultation()
    services.submit_contribution(item, h.good_data(rec))
    assert mails() == []


@pytest.mark.parametrize("language,words", [("es", "Gracias"), ("en", "Thank you")])
def test_the_receipt_mail_is_in_the_persons_language(app, language, words):
    item, rec = h.full_consultation()
    services.submit_contribution(item, h.good_data(rec, email="ana@example.org"), language=language)
    (mail,) = mails()
    assert words in mail.text_body and item.title_in(language) in mail.subject


# --- receipts --------------------------------------------------------------------------------

def test_a_receipt_is_found_in_any_case_with_or_without_dashes(app):
    item, rec = h.full_consultation()
    contribution, code = services.submit_contribution(item, h.good_data(rec))
    for typed in (code, code.lower(), code.replace("-", ""), f" {code.lower().replace('-', ' ')} "):
        assert services.get_receipt(typed.strip()).received_at == contribution.submitted_at


@pytest.mark.parametrize("code", ["", "nope", "AAAA-AAAA-AAA0", "A" * 200, None])
def test_an_unknown_or_malformed_receipt_is_not_found(app, code):
    with pytest.raises(NotFound):
        services.get_receipt(code)


def test_a_receipt_shows_its_themes_and_only_published_recommendations_citing_it(app):
    item, rec = h.full_consultation()
    contribution, code = services.submit_contribution(item, h.good_data(rec))
    theme = Theme(consultation_id=item.id, name_es="Transparencia", name_en="Transparency")
    db.session.add(theme)
    db.session.flush()
    db.session.add(Coding(contribution_id=contribution.id, theme_id=theme.id))
    published = h.recommendation(state="adopted", published=True, answer_es="La adoptamos", answer_en="Adopted")
    by_theme = h.recommendation(state="rejected", published=True, answer_es="No", answer_en="No")
    unpublished = h.recommendation(state="adopted", published=False)
    db.session.add_all([SourceContribution(recommendation_id=published.id, contribution_id=contribution.id),
                        SourceContribution(recommendation_id=unpublished.id, contribution_id=contribution.id),
                        SourceTheme(recommendation_id=by_theme.id, theme_id=theme.id)])
    db.session.flush()
    receipt = services.get_receipt(code)
    assert [t.name_es for t in receipt.themes] == ["Transparencia"]
    assert [r.id for r in receipt.recommendations] == [published.id, by_theme.id]


@contextmanager
def counted():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def test_a_receipt_takes_the_same_number_of_queries_however_far_it_reached(app):
    item, rec = h.full_consultation()
    contribution, code = services.submit_contribution(item, h.good_data(rec))
    item_id, contribution_id = item.id, contribution.id
    db.session.commit()
    db.session.expunge_all()
    with counted() as few:
        services.get_receipt(code)
    for n in range(6):
        theme = Theme(consultation_id=item_id, name_es=f"Tema {n}", name_en=f"Theme {n}")
        db.session.add(theme)
        db.session.flush()
        db.session.add(Coding(contribution_id=contribution_id, theme_id=theme.id))
        published = h.recommendation(state="adopted", published=True)
        db.session.add(SourceTheme(recommendation_id=published.id, theme_id=theme.id))
    db.session.commit()
    db.session.expunge_all()
    with counted() as many:
        receipt = services.get_receipt(code)
    assert len(receipt.recommendations) == 6 and len(many) == len(few) <= 3


# --- running consultations ---------------------------------------------------------------------

def _dates():
    return {"opens_at": h.now() + timedelta(days=1), "closes_at": h.now() + timedelta(days=30)}


def test_a_coordinator_creates_a_draft_and_it_is_audited(app):
    coordinator = factories.user(role="coordinator")
    item = services.create_consultation(coordinator, slug="principios", title_es="Principios", title_en="Principles",
                                        kind="questions", group_ids=[factories.group("ethics").id], **_dates())
    assert item.phase == "draft" and [g.slug for g in item.groups] == ["ethics"]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "consultation.created")).one()
    assert entry.subject_id == item.id and entry.actor_id == coordinator.id


@pytest.mark.parametrize("role,groups", [("member", {"ethics": "lead"}), ("member", None)])
def test_leads_and_members_cannot_run_consultations(app, role, groups):
    person = factories.user(role=role, groups=groups)
    with pytest.raises(PermissionDenied):
        services.create_consultation(person, slug="x", title_es="X", title_en="X", **_dates())


@pytest.mark.parametrize("changes,name", [
    ({"slug": "Con Espacios"}, "slug"), ({"title_es": ""}, "title_es"), ({"kind": "poll"}, "kind"),
    ({"closes_at": h.now() - timedelta(days=3)}, "closes_at"), ({"group_ids": [999999]}, "group_ids"),
    ({"opens_at": None}, "opens_at"),
])
def test_a_consultation_is_checked_before_it_is_created(app, changes, name):
    coordinator = factories.user(role="coordinator")
    values = {"slug": "buena", "title_es": "Buena", "title_en": "Good", **_dates(), **changes}
    with pytest.raises(ValidationError) as caught:
        services.create_consultation(coordinator, **values)
    assert name in caught.value.fields


def test_a_taken_slug_is_refused(app):
    coordinator = factories.user(role="coordinator")
    h.consultation(slug="tomada")
    with pytest.raises(ValidationError) as caught:
        services.create_consultation(coordinator, slug="tomada", title_es="X", title_en="X", **_dates())
    assert "slug" in caught.value.fields


def test_a_slug_that_is_a_page_of_the_site_is_refused(app):
    coordinator = factories.user(role="coordinator")
    with pytest.raises(ValidationError) as caught:
        services.create_consultation(coordinator, slug="new", title_es="X", title_en="X", **_dates())
    assert "slug" in caught.value.fields


def test_an_edit_is_audited_with_what_changed(app):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft")
    services.update_consultation(coordinator, item, title_en="New title", group_ids=[factories.group("data").id])
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "consultation.updated")).one()
    assert entry.changes["title_en"][1] == "New title" and entry.changes["groups"] == [["ethics"], ["data"]]


def test_questions_are_numbered_moved_and_renumbered_after_a_delete(app):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft")
    first = services.add_question(coordinator, item, kind="text", prompt_es="Uno", prompt_en="One")
    second = services.add_question(coordinator, item, kind="single", prompt_es="Dos", prompt_en="Two",
                                   choices=[("Sí", "Yes"), ("No", "No"), ("", "")])
    third = services.add_question(coordinator, item, kind="multiple", prompt_es="Tres", prompt_en="Three",
                                  required=True, choices=[("A", "A"), ("B", "B")])
    assert [q.name for q in (first, second, third)] == ["q1", "q2", "q3"]
    assert [c.label_en for c in second.choices] == ["Yes", "No"]
    services.move_question(coordinator, item, third, "up")
    assert [q.prompt_en for q in item.questions] == ["One", "Three", "Two"]
    services.delete_question(coordinator, item, first)
    assert [(q.position, q.prompt_en) for q in item.questions] == [(1, "Three"), (2, "Two")]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert {"consultation.question_added", "consultation.question_moved", "consultation.question_deleted"} <= set(actions)


@pytest.mark.parametrize("values,name", [
    ({"kind": "single", "choices": [("Solo", "Only")]}, "choices"),
    ({"kind": "single", "choices": [("Sí", "")]}, "choices"),
    ({"kind": "essay"}, "kind"),
    ({"prompt_en": ""}, "prompt_en"),
])
def test_a_question_is_checked(app, values, name):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft")
    with pytest.raises(ValidationError) as caught:
        services.add_question(coordinator, item, **{"kind": "text", "prompt_es": "P", "prompt_en": "Q", **values})
    assert name in caught.value.fields


def test_questions_and_recommendations_are_frozen_once_the_first_contribution_arrives(app):
    coordinator = factories.user(role="coordinator")
    item, rec = h.full_consultation()
    question = item.questions[0]
    services.submit_contribution(item, h.good_data(rec))
    for attempt in (
        lambda: services.add_question(coordinator, item, kind="text", prompt_es="P", prompt_en="Q"),
        lambda: services.update_question(coordinator, item, question, kind="text", prompt_es="P", prompt_en="Q"),
        lambda: services.move_question(coordinator, item, question, "down"),
        lambda: services.delete_question(coordinator, item, question),
        lambda: services.set_recommendations(coordinator, item, []),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        with force_locale("en"):
            assert "frozen" in str(list(caught.value.fields.values())[0][0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 3


def test_putting_a_draft_recommendation_up_for_comment_puts_it_in_consultation(app):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft", kind="comments")
    first, second = h.recommendation(), h.recommendation(state="in_consultation")
    services.set_recommendations(coordinator, item, [second.id, first.id])
    assert [r.id for r in item.recommendations] == [second.id, first.id]
    assert first.state == "in_consultation"
    assert db.session.scalars(sa.select(RecommendationRevision.recommendation_id)).all() == [first.id]
    adopted = h.recommendation(state="adopted")
    with pytest.raises(ValidationError):
        services.set_recommendations(coordinator, item, [adopted.id])


def test_publishing_needs_questions_and_the_dates_then_decide(app):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft", kind="questions", opens_in_days=1)
    with pytest.raises(ValidationError):
        services.set_phase(coordinator, item, "open")
    h.question(item)
    services.set_phase(coordinator, item, "open")
    assert item.state == "scheduled"
    with pytest.raises(ValidationError):
        services.set_phase(coordinator, item, "analysed")  # not closed yet
    with pytest.raises(ValidationError):
        services.set_phase(coordinator, item, "reported")  # not a step from open
    item.opens_at, item.closes_at = h.now() - timedelta(days=9), h.now() - timedelta(days=1)
    services.set_phase(coordinator, item, "analysed")
    services.set_phase(coordinator, item, "reported")
    assert item.state == "reported"
    changes = db.session.scalars(sa.select(AuditEntry.changes).where(AuditEntry.action == "consultation.phase")).all()
    assert [c["phase"] for c in changes] == [["draft", "open"], ["open", "analysed"], ["analysed", "reported"]]


def test_the_list_puts_open_consultations_first_and_hides_drafts_from_the_public(app):
    coordinator = factories.user(role="coordinator")
    closed = h.consultation(opens_in_days=-20, closes_in_days=-10)
    draft = h.consultation(phase="draft")
    open_one = h.consultation()
    assert [c.id for c in services.list_consultations(None).items] == [open_one.id, closed.id]
    assert draft.id in [c.id for c in services.list_consultations(coordinator).items]
    with pytest.raises(NotFound):
        services.get_consultation(None, draft.slug)
