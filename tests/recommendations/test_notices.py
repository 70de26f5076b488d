import sqlalchemy as sa

from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from coalition.recommendations import notices, services
from tests import factories
from tests.recommendations import conftest as make


def _mails():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "consultation-update")
                              .order_by(OutboxMessage.id)).all()


def _world():
    coordinator = factories.user(role="coordinator")
    c = make.consultation(slug="consulta-nacional-ia")
    t = make.theme(c)
    es = make.contribution(c, email="ana@example.org", language="es")
    en = make.contribution(c, email="bob@example.org", language="en")
    quiet = make.contribution(c)  # left no address
    hidden = make.contribution(c, email="oculto@example.org", hidden_at=factories.days_ago(1))
    for item in (es, en, quiet, hidden):
        make.code(item, t)
    # Cited directly and through its theme: still one message.
    rec = make.recommendation(themes=[t], contributions=[es], title_es="Ética pública", title_en="Public ethics")
    return coordinator, rec


def test_publishing_an_answer_sends_one_message_per_contributor_with_an_address(app):
    coordinator, rec = _world()
    services.update_recommendation(coordinator, rec.id, state="adopted", answer_es="La adoptamos.",
                                   answer_en="We adopted it.", published=True)
    mails = _mails()
    assert sorted(m.recipient for m in mails) == ["ana@example.org", "bob@example.org"]
    by = {m.recipient: m for m in mails}
    assert "La adoptamos." in by["ana@example.org"].text_body and "Ética pública" in by["ana@example.org"].subject
    assert "We adopted it." in by["bob@example.org"].text_body and "Adopted" in by["bob@example.org"].text_body
    assert "/consultations/consulta-nacional-ia" in by["bob@example.org"].text_body
    assert "receipt" in by["bob@example.org"].text_body
    assert len({m.dedupe_key for m in mails}) == 2


def test_nothing_is_sent_before_publication_or_without_an_answer(app):
    coordinator, rec = _world()
    services.update_recommendation(coordinator, rec.id, state="adopted", answer_es="Sí")
    services.update_recommendation(coordinator, rec.id, answer_es="Sí, adoptada")
    assert _mails() == []
    other = make.recommendation()
    services.update_recommendation(coordinator, other.id, published=True)
    assert _mails() == []


def test_saving_again_sends_nothing_twice_and_a_new_answer_sends_one_more(app):
    coordinator, rec = _world()
    services.update_recommendation(coordinator, rec.id, state="adopted", answer_es="Sí", published=True)
    services.update_recommendation(coordinator, rec.id, state="adopted", answer_es="Sí", published=True)
    assert len(_mails()) == 2
    # Queuing the same revision again (a retried job) adds nothing.
    assert notices.queue_consultation_updates(rec) == 0
    services.update_recommendation(coordinator, rec.id, answer_es="Sí, con cambios")
    mails = _mails()
    assert len(mails) == 4
    assert rec.answer_revision == 2
    assert [m.recipient for m in mails if "con cambios" in m.text_body] == ["ana@example.org"]


def test_contributors_are_queued_in_batches(app):
    coordinator, rec = _world()
    c = make.consultation()
    t = make.theme(c)
    for n in range(7):
        make.code(make.contribution(c, email=f"p{n}@example.org"), t)
    services.update_recommendation(coordinator, rec.id, themes=[t.id])
    rec.published, rec.answer_es, rec.answer_en = True, "Hecho", "Done"
    rec.answer_revision += 1
    db.session.flush()
    assert notices.queue_consultation_updates(rec, batch=3) == 8  # 7 + the direct one
    assert len(_mails()) == 8


def test_republishing_the_same_answer_or_moving_the_draft_state_tells_nobody_again(app):
    coordinator, rec = _world()
    services.update_recommendation(coordinator, rec.id, answer_es="Aún abierta", published=True)
    assert len(_mails()) == 2
    services.update_recommendation(coordinator, rec.id, published=False)
    services.update_recommendation(coordinator, rec.id, published=True)
    services.update_recommendation(coordinator, rec.id, state="draft")
    services.update_recommendation(coordinator, rec.id, state="in_consultation")
    assert len(_mails()) == 2
    services.update_recommendation(coordinator, rec.id, state="adopted")
    assert len(_mails()) == 4  # a decision is news


def test_one_address_behind_it_twice_gets_one_message(app):
    coordinator, rec = _world()
    c = make.consultation()
    t = make.theme(c)
    for _ in range(3):
        make.code(make.contribution(c, email="Repite@Example.org"), t)
    make.code(make.contribution(c, email="repite@example.org"), t)
    services.update_recommendation(coordinator, rec.id, themes=[t.id], state="adopted", answer_es="Sí",
                                   published=True)
    # Its sources are now Ana (cited directly) and the new theme's four contributions, by one person.
    assert sorted(m.recipient.casefold() for m in _mails()) == ["ana@example.org", "repite@example.org"]


def test_someone_coded_later_under_a_cited_theme_is_told_the_published_answer(app):
    from coalition.analysis import services as analysis

    coordinator, rec = _world()
    services.update_recommendation(coordinator, rec.id, state="adopted", answer_es="Sí", published=True)
    assert len(_mails()) == 2
    theme_id = services.source_ids([rec.id])[rec.id]["themes"][0]
    late = make.contribution(rec_consultation(theme_id), email="tarde@example.org")
    analysis.set_themes(coordinator, late.id, [theme_id])
    assert [m.recipient for m in _mails()][2:] == ["tarde@example.org"]
    analysis.set_themes(coordinator, late.id, [theme_id])  # unchanged: nothing more
    assert len(_mails()) == 3


def rec_consultation(theme_id):
    from coalition.consultations.models import Theme

    return db.session.get(Theme, theme_id).consultation
