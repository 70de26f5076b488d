"""Digests at each person's own hour, never empty, never doubled, with one-click unsubscribe."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.auth.models import User
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.groups.models import GroupMembership
from coalition.extensions import db
from coalition.notifications import digests
from coalition.notifications import services as outbox
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.notifications.test_services import smtp  # noqa: F401  (the aiosmtpd fixture)

# Monday 7 December 2026, 08:00 in Mexico City (14:00 UTC); 15:00 in Madrid.
MONDAY_8_MEXICO = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)


def digest_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "digest")).scalars())


def member_with_news(**values) -> User:
    member = factories.user(groups={"ethics": "member"}, **values)
    factories.deliverable(owner=member, due_date=date(2026, 12, 12), last_update_at=MONDAY_8_MEXICO)
    return member


def member_due_soon(around: date, **values) -> User:
    """A member whose deliverable falls due a few days after `around`: always something to say."""
    member = factories.user(groups={"ethics": "member"}, **values)
    factories.deliverable(owner=member, due_date=around + timedelta(days=3), last_update_at=None)
    return member


def test_weekly_digest_goes_out_at_each_persons_own_hour_and_once(app):
    mexico = member_with_news(language="es")
    madrid = member_with_news(language="en", timezone="Europe/Madrid")
    db.session.commit()
    madrid_8 = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)  # 08:00 in Madrid, 01:00 in Mexico City
    assert digests.queue_digests(madrid_8 - timedelta(minutes=15)) == {"sent": 0, "empty": 0}
    assert digests.queue_digests(madrid_8) == {"sent": 1, "empty": 0}
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO) == {"sent": 1, "empty": 0}
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO + timedelta(minutes=15))["sent"] == 0  # same week, later run
    assert digests.queue_digests(MONDAY_8_MEXICO + timedelta(days=3))["sent"] == 0
    assert {r.recipient for r in digest_rows()} == {mexico.email, madrid.email}
    assert digests.queue_digests(MONDAY_8_MEXICO + timedelta(days=7))["sent"] == 2  # next week


def test_a_missed_hour_is_caught_up_later_in_the_period(app):
    member_with_news(digest_frequency="daily", digest_hour=8)
    db.session.commit()
    # The scheduler was down from 07:00 to 11:00 Mexico City time: the 11:00 scan still sends it.
    assert digests.queue_digests(MONDAY_8_MEXICO + timedelta(hours=3))["sent"] == 1


def test_dst_in_europe_keeps_the_local_hour_and_never_doubles(app):
    member_due_soon(date(2026, 10, 24), timezone="Europe/Madrid", digest_frequency="daily", digest_hour=8)
    db.session.commit()
    # Madrid is UTC+2 until 25 October 2026 and UTC+1 after: 08:00 there is 06:00, then 07:00 UTC.
    summer = datetime(2026, 10, 24, 6, 0, tzinfo=timezone.utc)
    assert digests.queue_digests(summer - timedelta(minutes=15))["sent"] == 0
    assert digests.queue_digests(summer)["sent"] == 1
    db.session.commit()
    winter = datetime(2026, 10, 26, 7, 0, tzinfo=timezone.utc)
    assert digests.queue_digests(winter - timedelta(hours=1))["sent"] == 0  # 07:00 in Madrid now
    assert digests.queue_digests(winter)["sent"] == 1
    db.session.commit()
    keys = sorted(r.dedupe_key for r in digest_rows())
    assert keys == [k for k in keys if k.startswith("digest:daily:")] and len(keys) == 2
    assert [k.split(":")[2] for k in keys] == ["2026-10-24", "2026-10-26"]


def test_the_repeated_hour_when_dst_ends_sends_one_digest(app):
    member_due_soon(date(2026, 10, 25), timezone="Europe/Madrid", digest_frequency="daily", digest_hour=2)
    db.session.commit()
    # On 25 October 2026, 02:00-03:00 happens twice in Madrid (00:00 and 01:00 UTC).
    first, second = (datetime(2026, 10, 25, h, 0, tzinfo=timezone.utc) for h in (0, 1))
    assert digests.queue_digests(first)["sent"] == 1
    db.session.commit()
    assert digests.queue_digests(second)["sent"] == 0


def test_the_skipped_hour_when_dst_starts_still_sends(app):
    member_due_soon(date(2027, 3, 28), timezone="Europe/Madrid", digest_frequency="daily", digest_hour=2)
    db.session.commit()
    # On 28 March 2027 Madrid jumps from 02:00 to 03:00: there is no 02:00 that day.
    assert digests.queue_digests(datetime(2027, 3, 28, 0, 45, tzinfo=timezone.utc))["sent"] == 0  # 01:45
    assert digests.queue_digests(datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc))["sent"] == 1  # 03:00


def test_mexico_city_has_no_dst_the_digest_hour_stays_put(app):
    member_due_soon(date(2026, 4, 5), digest_frequency="daily", digest_hour=8)
    db.session.commit()
    # 5 April 2026 was a DST day before Mexico abolished it in 2022: 08:00 is still 14:00 UTC.
    assert digests.queue_digests(datetime(2026, 4, 5, 13, 45, tzinfo=timezone.utc))["sent"] == 0
    assert digests.queue_digests(datetime(2026, 4, 5, 14, 0, tzinfo=timezone.utc))["sent"] == 1


def test_no_digest_when_there_is_nothing_to_say(app):
    factories.user(groups={"ethics": "member"})
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO) == {"sent": 0, "empty": 1}
    assert digest_rows() == []


def test_daily_and_off_follow_the_persons_setting(app):
    member_with_news(digest_frequency="daily", digest_hour=8)
    member_with_news(digest_frequency="off")
    db.session.commit()
    tuesday = MONDAY_8_MEXICO + timedelta(days=1)
    assert digests.queue_digests(tuesday, "daily")["sent"] == 1
    assert digests.queue_digests(tuesday, "weekly")["sent"] == 0


def test_member_digest_shows_what_changed_since_the_last_one(app, smtp):  # noqa: F811
    member = member_with_news(language="en")
    colleague = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=colleague, title="Guía de datos abiertos", last_update_at=MONDAY_8_MEXICO)
    db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=colleague.id, status_before="in_progress",
                                     status_after="in_progress", progress_before=10, progress_after=60,
                                     created_at=MONDAY_8_MEXICO - timedelta(days=2)))
    db.session.commit()
    digests.queue_digests(MONDAY_8_MEXICO)
    db.session.commit()
    outbox.deliver_due()
    [message] = smtp.messages
    assert message["To"] == member.email
    assert message["Subject"] == "1 deliverable due this week · 1 change in AI Ethics"
    text = message.get_body(("plain",)).get_content()
    assert "Guía de datos abiertos: 10% → 60%" in text and "YOUR DELIVERABLES" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]


def test_coordinator_digest_compiles_the_coalitions_figures(app):
    coordinator = factories.user(role="coordinator", language="en")
    owner = factories.user(groups={"ethics": "member"})
    factories.deliverable(owner=owner, title="Vencido uno", due_date=date(2026, 11, 1), progress=30,
                          last_update_at=MONDAY_8_MEXICO)
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO)["sent"] >= 1
    db.session.commit()
    message = next(r for r in digest_rows() if r.recipient == coordinator.email)
    assert message.subject == "1 deliverable off track in the coalition"
    assert "PROGRESS BY WORKING GROUP" in message.text_body and "AI Ethics" in message.text_body
    assert "Vencido uno" in message.text_body and "Off track: 1" in message.text_body


def test_one_click_unsubscribe_needs_no_login_and_get_only_confirms(app, client):
    member = member_with_news()
    db.session.commit()
    path = f"/unsubscribe/{digests.unsubscribe_token(member.id)}"
    assert client.get(path).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).digest_frequency == "weekly"
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).digest_frequency == "off"
    assert client.post("/unsubscribe/forged-token").status_code == 404


def test_cli_digests_inline(app):
    member_with_news()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["digests", "--inline", "--at", "2026-12-07T08:00:00-06:00"])
    assert result.exit_code == 0, result.output
    assert "1 queued" in result.output


def add_members_with_news(count: int, start: int) -> None:
    """`count` members of ethics, each owning a deliverable due soon: Core inserts, so 5,000 take a second."""
    ethics = factories.group("ethics").id
    users = [{"email": f"masivo{n}@example.org", "name": f"Persona {n}", "password_hash": "x",
              "session_token": f"token-{n}"} for n in range(start, start + count)]
    db.session.execute(sa.insert(User), users)
    ids = db.session.execute(sa.select(User.id).where(User.email.like("masivo%"))
                             .order_by(User.id).offset(start)).scalars().all()
    db.session.execute(sa.insert(GroupMembership), [{"user_id": i, "group_id": ethics, "role": "member"} for i in ids])
    db.session.execute(sa.insert(Deliverable), [
        {"group_id": ethics, "title": f"Entregable {i}", "owner_id": i, "due_date": date(2026, 12, 12),
         "status": "in_progress", "progress": 40, "last_update_at": MONDAY_8_MEXICO} for i in ids])
    db.session.commit()


def digest_run(monkeypatch, batch: int) -> tuple[dict, list[str], int]:
    """One run at Monday 08:00, undone afterwards: its outcome, its statements and its peak memory."""
    import tracemalloc

    from tests.test_query_counts import count_queries

    monkeypatch.setattr(digests, "BATCH", batch)
    tracemalloc.start()
    with count_queries() as statements:
        outcome = digests.queue_digests(MONDAY_8_MEXICO)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    db.session.rollback()
    return outcome, list(statements), peak


# A measure of batches and memory at scale: once, on the production database when given.
@pytest.mark.strictest_database
def test_a_digest_run_for_5000_people_costs_the_same_statements_per_batch_and_flat_memory(app, monkeypatch):
    add_members_with_news(1000, start=0)
    small, small_statements, small_peak = digest_run(monkeypatch, batch=500)
    add_members_with_news(4000, start=1000)
    large, large_statements, large_peak = digest_run(monkeypatch, batch=500)
    assert small == {"sent": 1000, "empty": 0} and large == {"sent": 5000, "empty": 0}
    # Each batch of 500 costs the same eight statements (people, deliverables, memberships and mutes, the
    # changes in their groups and who made them, the policy events they follow, one INSERT into the outbox,
    # one UPDATE): eight more batches, sixty-four more statements, whatever the content.
    assert len(large_statements) - len(small_statements) == 8 * 8
    assert sum(s.lstrip().upper().startswith("INSERT") for s in large_statements) == 10
    # Memory holds one batch at a time: five times the people, nowhere near five times the peak.
    assert large_peak < small_peak * 1.6, (small_peak, large_peak)


def test_with_one_batch_the_statements_do_not_grow_with_the_people(app, monkeypatch):
    add_members_with_news(50, start=0)
    _outcome, few, _peak = digest_run(monkeypatch, batch=10_000)
    add_members_with_news(950, start=50)
    _outcome, many, _peak = digest_run(monkeypatch, batch=10_000)
    assert len(few) == len(many)


# --- policy: the followers' updates and the coordinators' monthly note ------------------------------

def policy_digest_at() -> datetime:
    """Now: policy events are stamped with the real time. People below take daily digests from 00:00."""
    return datetime.now(timezone.utc) + timedelta(minutes=1)


def follower(**values) -> User:
    return factories.user(digest_frequency="daily", digest_hour=0, **values)


def test_a_followed_stage_change_alone_makes_a_digest_with_a_link(app):
    from coalition.database import coalition_today
    from coalition.policy import services as policy
    from tests.policy.records import coordinator, instrument

    boss = coordinator(digest_frequency="off")
    strategy = instrument(boss)
    spanish, english = follower(language="es"), follower(language="en")
    bystander = follower()
    for person in (spanish, english):
        policy.follow(person, instrument_id=strategy.id)
    policy.add_stage(boss, strategy.id, stage="proposed", on=coalition_today())
    db.session.commit()
    assert digests.queue_digests(policy_digest_at(), "daily") == {"sent": 2, "empty": 1}
    rows = {r.recipient: r for r in digest_rows()}
    assert bystander.email not in rows
    es, en = rows[spanish.email], rows[english.email]
    assert "Estrategia Estatal de IA de Jalisco" in es.text_body and "Jalisco State AI Strategy" in en.text_body
    assert "POLICY UPDATES" in en.text_body and "Policy updates" in en.html_body
    assert "Proposed" in en.text_body and "Jalisco" in en.text_body
    link = f"/instruments/{strategy.id}"
    assert link in en.text_body and f'href="http' in en.html_body and link in en.html_body
    assert "POLICY NOTE" not in en.text_body  # members get no monthly note


def test_policy_updates_list_each_event_once_since_the_last_digest_and_not_ones_own(app):
    from coalition.database import coalition_today
    from coalition.policy import services as policy
    from coalition.policy.models import PolicyEvent
    from tests.policy.records import coordinator, instrument, liaison

    boss = coordinator(digest_frequency="off")
    strategy = instrument(boss, title_en="Strategy <b>bold</b>")
    person = liaison("JAL", digest_frequency="daily", digest_hour=0, language="en")
    policy.follow(person, instrument_id=strategy.id)
    policy.follow(person, state="JAL")  # both the instrument and its state: still one line per event
    policy.add_stage(boss, strategy.id, stage="proposed", on=coalition_today())
    old = policy.create_engagement(boss, kind="forum", title="Foro de ayer", held_on=coalition_today(),
                                   jurisdiction="JAL", body="Congreso de Jalisco")
    own = policy.create_engagement(person, kind="hearing", title="Audiencia propia", held_on=coalition_today(),
                                   jurisdiction="JAL", body="Congreso de Jalisco")
    db.session.commit()
    at = policy_digest_at()
    person.last_digest_at = at - timedelta(days=1)  # yesterday's digest
    event = db.session.execute(sa.select(PolicyEvent).where(PolicyEvent.engagement_id == old.id)).scalar_one()
    event.occurred_at = at - timedelta(days=1, hours=1)  # told in yesterday's digest
    db.session.commit()
    assert own.id and digests.queue_digests(at, "daily")["sent"] == 1
    [row] = digest_rows()
    text = row.text_body
    policy_part = text[text.index("POLICY UPDATES"):]
    assert policy_part.count("Strategy <b>bold</b>") == 1
    assert "Foro de ayer" not in text and "Audiencia propia" not in text
    # The line is written once as text; the HTML escapes it (a .txt include would not be escaped by itself).
    assert "Strategy &lt;b&gt;bold&lt;/b&gt;" in row.html_body and "<b>bold</b>" not in row.html_body


def test_policy_updates_show_the_newest_and_count_the_rest(app, monkeypatch):
    from coalition.database import coalition_today
    from coalition.policy import digest as policy_digest
    from coalition.policy import services as policy
    from tests.policy.records import coordinator, instrument

    monkeypatch.setattr(policy_digest, "UPDATES_SHOWN", 2)
    boss = coordinator(digest_frequency="off")
    person = follower(language="en")
    policy.follow(person, state="JAL")
    for n in range(5):
        policy.add_stage(boss, instrument(boss, title_en=f"Instrument {n}").id, stage="proposed",
                         on=coalition_today())
    db.session.commit()
    digests.queue_digests(policy_digest_at(), "daily")
    [row] = digest_rows()
    assert "Instrument 4" in row.text_body and "Instrument 3" in row.text_body
    assert "Instrument 0" not in row.text_body and "…and 3 more." in row.text_body


def note_coalition():
    """A coordinator, and a record of each kind the monthly note reports."""
    from coalition.database import coalition_today
    from coalition.policy import services as policy
    from coalition.policy.digest import previous_month
    from tests.policy.records import coordinator, instrument, recommendation, stages

    boss = coordinator(digest_frequency="daily", digest_hour=0, language="en")
    today = coalition_today()
    start, _end = previous_month(today)
    adopted = stages(boss, instrument(boss, title_en="Adopted strategy"), ("proposed", start),
                     ("approved", start + timedelta(days=2)))
    rec = recommendation(title_en="Open public data")
    uptake = policy.link_uptake(boss, adopted.id, recommendation_id=rec.id, degree="adopted",
                                evidence_url="https://jalisco.gob.mx/ia#p4", quote="Datos abiertos")
    uptake.verified_at = datetime.combine(start + timedelta(days=3), datetime.min.time(), timezone.utc) \
        + timedelta(hours=18)
    stalled = stages(boss, instrument(boss, jurisdiction="CMX", title_en="Stalled bill", kind="bill",
                                      branch="legislative"),
                     ("proposed", today - timedelta(days=400)), ("in_committee", today - timedelta(days=200)))
    stages(boss, instrument(boss, jurisdiction="NLE", title_en="Law in force", kind="law", branch="legislative"),
           ("in_force", today - timedelta(days=300)))
    db.session.commit()
    return boss, adopted, stalled


def test_the_coordinators_first_digest_of_the_month_carries_the_policy_note(app):
    boss, adopted, stalled = note_coalition()
    digests.queue_digests(policy_digest_at(), "daily")
    [row] = [r for r in digest_rows() if r.recipient == boss.email]
    text = row.text_body
    note = text[text.index("POLICY NOTE"):]
    assert f"/instruments/{adopted.id}" in note and "Adopted strategy · Approved" in note
    assert "“Open public data” in Adopted strategy" in note
    assert "Stalled bill · In committee since" in note and f"/instruments/{stalled.id}" in note
    assert "Law in force" not in note  # in force is where an instrument rests: it has not stalled
    quiet = note[note.index("states with no activity in 180 days"):].splitlines()[0]
    assert "Zacatecas" in quiet and "Ciudad de México" in quiet and "Nuevo León" in quiet
    assert "Jalisco" not in quiet  # its strategy was approved last month
    assert "Policy note" in row.html_body and "Stalled bill" in row.html_body


def test_the_note_is_not_repeated_within_the_month(app):
    from coalition.policy.digest import note_due

    boss, _adopted, _stalled = note_coalition()
    at = policy_digest_at()
    boss.last_digest_at = at - timedelta(days=1)
    db.session.commit()
    digests.queue_digests(at, "daily")
    [row] = [r for r in digest_rows() if r.recipient == boss.email]
    local = digests._local(at, boss.timezone)
    same_month = digests._local(at - timedelta(days=1), boss.timezone).month == local.month
    assert ("POLICY NOTE" in row.text_body) is not same_month
    mexico = timezone(timedelta(hours=-6))
    assert note_due(None, datetime(2026, 12, 7, 8, tzinfo=mexico))
    assert note_due(datetime(2026, 11, 30, 8, tzinfo=mexico), datetime(2026, 12, 1, 8, tzinfo=mexico))
    assert not note_due(datetime(2026, 12, 1, 8, tzinfo=mexico), datetime(2026, 12, 8, 8, tzinfo=mexico))
    assert note_due(datetime(2025, 12, 20, 8, tzinfo=mexico), datetime(2026, 1, 3, 8, tzinfo=mexico))


def add_policy_records(boss, person, count: int) -> None:
    """`count` instruments followed by `person` with a stage change today, and `count` stalled ones."""
    from coalition.database import coalition_today
    from coalition.policy import services as policy
    from tests.policy.records import instrument, stages

    today = coalition_today()
    for n in range(count):
        item = instrument(boss, title_en=f"Instrument {n}")
        policy.follow(person, instrument_id=item.id)
        stages(boss, item, ("approved", today))
        stages(boss, instrument(boss, jurisdiction="SON", title_en=f"Old {n}"),
               ("proposed", today - timedelta(days=365)))
    db.session.commit()


def policy_run() -> list[str]:
    """The statements of a digest run (undone afterwards, so the same people are due again)."""
    from tests.test_query_counts import count_queries

    with count_queries() as statements:
        outcome = digests.queue_digests(policy_digest_at(), "daily")
    assert outcome == {"sent": 2, "empty": 0}
    db.session.rollback()
    return list(statements)


def test_a_digest_run_costs_the_same_statements_with_one_or_thirty_policy_events(app):
    from coalition.policy import services as policy
    from tests.policy.records import coordinator

    boss = coordinator(digest_frequency="daily", digest_hour=0)  # gets the monthly note
    person = follower(language="en")
    policy.follow(person, state="JAL")
    add_policy_records(boss, person, 1)
    one = policy_run()
    add_policy_records(boss, person, 29)
    thirty = policy_run()
    assert len(one) == len(thirty), (len(one), len(thirty))
