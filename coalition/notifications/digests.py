"""Progress digests: each person's at their frequency, weekday and hour, in their own timezone.

A member's digest tells them about their deliverables, their groups, their meetings and the policy
updates about what they follow; a coordinator's compiles the coalition's figures, and once a month the
policy note (coalition/policy/digest.py). Coalition-wide figures are computed once per run
and people are handled in batches, so a run's queries do not grow with the number of people.
Nothing is sent when there is nothing to say. The `dedupe_key` names the person and the period
(the local day, or the ISO week), so a second run in the same period writes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import joinedload

from coalition.analysis.services import received_between, uncoded_by_group
from coalition.auth.models import User
from coalition.dashboards import cache as dashboard_cache
from coalition.dashboards.services import Dashboard, Filters, current_figures
from coalition.database import coalition_timezone
from coalition.deliverables.health import coalition_clock, stale_sql
from coalition.deliverables.models import Deliverable
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.groups.services import progress_by_group
from coalition.meetings.models import Meeting
from coalition.notifications import digest_news as news
from coalition.notifications import services as outbox
from coalition.notifications.digest_content import DigestContent, PersonNews, compose
from coalition.notifications.models import DIGEST_DUE_SOON_DAYS, DIGEST_MEETINGS_SHOWN, DigestMute
from coalition.policy import digest as policy_digest
from coalition.recommendations.models import Recommendation, RecommendationRevision

BATCH = 500
WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def unsubscribe_token(user_id: int) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="coalition-digest-unsubscribe").dumps(user_id)


def user_for_unsubscribe(token: str) -> User | None:
    from itsdangerous import BadData

    try:
        user_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="coalition-digest-unsubscribe").loads(token)
    except BadData:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(token: str) -> User | None:
    """Turn digests off for the person the token names (no login: the token is the proof)."""
    user = user_for_unsubscribe(token)
    if user is not None and user.digest_frequency != "off":
        user.digest_frequency = "off"
        db.session.flush()
    return user


def period_of(user_frequency: str, local: datetime) -> str:
    if user_frequency == "daily":
        return local.date().isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def is_due(frequency: str, weekday: int, hour: int, local: datetime, last_local: datetime | None = None) -> bool:
    """Whether a digest is owed at local time `local`, given when the last one was handled.

    Owed from the chosen hour (and weekday) on, once per period, rather than only during that
    hour: a scan that misses the hour (a stopped scheduler, a DST jump that skips 02:00) catches
    up later the same day or week, and a repeated hour (DST ending) sends nothing twice.
    """
    if frequency not in WINDOWS:
        return False
    if last_local is not None and period_of(frequency, last_local) == period_of(frequency, local):
        return False
    if frequency == "daily":
        return local.hour >= hour
    return (local.weekday(), local.hour) >= (weekday, hour)


@dataclass
class CoordinatorFigures:
    """The coordinators' digest: the dashboard's figures as of the run, the week's new members, the week's
    contributions to consultations and the recommendations adopted that week."""

    board: Dashboard
    new_members: int
    contributions: int = 0
    adopted: list = field(default_factory=list)  # [(id, title_es, title_en)]


def coordinator_figures(at: datetime, since: datetime) -> CoordinatorFigures:
    """The same figures as the coalition dashboard (attendance counted from `since`), in its fixed
    number of queries, plus one count. At an instant on the cache's five-minute grid (the preview page)
    they come from the running tallies; off it (a digest run), from scratch."""
    days = Filters(start=coalition_clock(since).today, end=coalition_clock(at).today)  # the coalition's days
    board = current_figures(None, days, at, list_limit=10)
    new_members = db.session.scalar(sa.select(sa.func.count()).select_from(GroupMembership)
                                    .where(GroupMembership.created_at > since, GroupMembership.created_at <= at))
    return CoordinatorFigures(board=board, new_members=int(new_members or 0),
                              contributions=int(received_between(since, at) or 0),
                              adopted=adopted_between(since, at))


def adopted_between(since: datetime, at: datetime) -> list[tuple[int, str, str]]:
    """The recommendations adopted in (since, at]: adopted now, with a change to `adopted` in their history
    in that window (one query)."""
    rows = db.session.execute(
        sa.select(Recommendation.id, Recommendation.title_es, Recommendation.title_en, RecommendationRevision.changes)
        .join(RecommendationRevision, RecommendationRevision.recommendation_id == Recommendation.id)
        .where(Recommendation.state == "adopted", RecommendationRevision.created_at > since,
               RecommendationRevision.created_at <= at)
        .order_by(Recommendation.id)).all()
    seen: dict[int, tuple[int, str, str]] = {}
    for rec_id, title_es, title_en, changes in rows:
        # The history records a change of state as {"state": [before, after]}.
        state = (changes or {}).get("state") if isinstance(changes, dict) else None
        if rec_id not in seen and isinstance(state, list) and state[-1:] == ["adopted"]:
            seen[rec_id] = (rec_id, title_es, title_en)
    return list(seen.values())


@dataclass
class RunContext:
    """What every digest of a run shares, read once: upcoming meetings, uncoded contributions and the leads'
    lists per group."""

    meetings_by_group: dict[int, list] = field(default_factory=dict)
    # Per group: [(consultation, uncoded visible contributions in the group's share)], for leads.
    uncoded_by_group: dict[int, list] = field(default_factory=dict)
    lead: news.LeadLists = field(default_factory=news.LeadLists)


def _run_context(at: datetime, group_ids: list[int]) -> RunContext:
    """`group_ids`: the groups whose leads may read this run (a run: every group; a preview: the person's)."""
    context = RunContext()
    for meeting in db.session.execute(
            sa.select(Meeting).options(joinedload(Meeting.group))
            .where(Meeting.status == "scheduled", Meeting.starts_at > at,
                   Meeting.starts_at <= at + timedelta(days=current_app.config["DIGEST_AHEAD_DAYS"]))
            .order_by(Meeting.starts_at)).scalars():
        context.meetings_by_group.setdefault(meeting.group_id, []).append(meeting)
    context.uncoded_by_group = uncoded_by_group(group_ids)
    context.lead = news.lead_lists(at, group_ids)
    return context


def _people_news(users: dict[int, User], rows: list[tuple], at: datetime, context: RunContext,
                 groups: dict[int, WorkingGroup], progress: dict[int, int]) -> dict[int, PersonNews]:
    """Per person of a batch (rows of (user_id, frequency, since)): what their digest may say, in four statements
    (their deliverables needing attention, their memberships and mutes, the changes in their groups, twice)."""
    clock = coalition_clock(at)
    ids = [row[0] for row in rows]
    found = {user_id: PersonNews(person=users[user_id], frequency=frequency, since=since)
             for user_id, frequency, since in rows}
    soon = clock.today + timedelta(days=DIGEST_DUE_SOON_DAYS)
    for d in db.session.execute(
        sa.select(Deliverable).options(joinedload(Deliverable.group))
        .where(Deliverable.owner_id.in_(ids), Deliverable.status != "done", Deliverable.archived_at.is_(None),
               sa.or_(Deliverable.due_date <= soon, stale_sql(Deliverable, clock)))
        .order_by(Deliverable.due_date, Deliverable.id)).scalars():
        found[d.owner_id].mine.append(d)
    memberships: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for user_id, group_id, role, muted in db.session.execute(
            sa.select(GroupMembership.user_id, GroupMembership.group_id, GroupMembership.role,
                      DigestMute.user_id.is_not(None))
            .outerjoin(DigestMute, sa.and_(DigestMute.user_id == GroupMembership.user_id,
                                           DigestMute.group_id == GroupMembership.group_id))
            .where(GroupMembership.user_id.in_(ids))):
        memberships[user_id].append((group_id, role, bool(muted)))
    changed = news.changes([row[2] for row in rows], at,
                           {group_id for mine in memberships.values() for group_id, _r, _m in mine})
    for user_id, item in found.items():
        mine = sorted(memberships.get(user_id, ()), key=lambda m: groups[m[0]].name_in(item.person.language or "es"))
        item.groups = [(groups[g], progress.get(g, 0), muted) for g, _role, muted in mine]
        item.led = [groups[g] for g, role, _muted in mine if role == "lead"]
        for group_id, _role, muted in mine:
            lines = changed.get((item.since, group_id))
            if lines is None or muted:
                continue
            # What only the person did themselves, they already know.
            kept = [c for c in lines.changes if {a for a, _n in c.authors} != {user_id}]
            item.changes[group_id] = news.GroupChanges(kept, lines.total - (len(lines.changes) - len(kept)))
        item.meetings = sorted((m for g, _r, _m in mine for m in context.meetings_by_group.get(g, ())),
                               key=lambda m: m.starts_at)[:DIGEST_MEETINGS_SHOWN]
        # A lead's lines: their group's uncoded contributions per consultation, silent members, minutes awaited.
        led = sorted(group.id for group in item.led)
        item.uncoded = [(group_id, consultation, n) for group_id in led
                        for consultation, n in context.uncoded_by_group.get(group_id, ())]
        item.silent = {g: (context.lead.silent.get(g, []), context.lead.silent_total.get(g, 0)) for g in led}
        item.awaiting = {g: (context.lead.awaiting.get(g, []), context.lead.awaiting_total.get(g, 0)) for g in led}
    return found


def _local(at: datetime, tz: str) -> datetime:
    try:
        return at.astimezone(ZoneInfo(tz))
    except (KeyError, ValueError):
        return at.astimezone(coalition_timezone())


def queue_digests(at: datetime, frequency: str | None = None) -> dict[str, int]:
    """Write the digests due at `at` (only of `frequency` when given); return counts written and skipped.

    Each batch of people costs the same few statements (their deliverables, their memberships, the
    policy events about what they follow, one multi-row INSERT into the outbox, one UPDATE of
    `last_digest_at`), whatever its size.
    """
    query = (sa.select(User.id, User.timezone, User.digest_frequency, User.digest_weekday, User.digest_hour,
                       User.last_digest_at, User.role)
             .where(User.active.is_(True), User.digest_frequency != "off"))
    if frequency:
        query = query.where(User.digest_frequency == frequency)
    due = []
    for user_id, tz, freq, weekday, hour, last, role in db.session.execute(query):
        local = _local(at, tz)
        if is_due(freq, weekday, hour, local, _local(last, tz) if last else None):
            since = max(last, at - WINDOWS[freq]) if last else at - WINDOWS[freq]
            monthly = role in ("coordinator", "admin") and policy_digest.note_due(
                _local(last, tz) if last else None, local)
            due.append((user_id, freq, period_of(freq, local), since, role, monthly))
    outcome = {"sent": 0, "empty": 0}
    if not due:
        return outcome
    figures = None
    if any(row[4] in ("coordinator", "admin") for row in due):
        figures = coordinator_figures(at, at - timedelta(days=7))
    note = policy_digest.policy_note(at) if any(row[5] for row in due) else None
    groups = {g.id: g for g in db.session.execute(sa.select(WorkingGroup)).scalars()}
    context = _run_context(at, list(groups))
    progress = {group_id: average for group_id, (average, _count) in progress_by_group().items()}
    base = current_app.config["BASE_URL"].rstrip("/")
    clock = coalition_clock(at)
    for start in range(0, len(due), BATCH):
        batch = due[start:start + BATCH]
        ids = [row[0] for row in batch]
        users = {u.id: u for u in db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars()}
        found = _people_news(users, [(row[0], row[1], row[3]) for row in batch], at, context, groups, progress)
        policy = policy_digest.updates_for(ids, {row[0]: row[3] for row in batch}, at,
                                           {u.id: u.language for u in users.values()})
        messages = []
        for user_id, freq, period, since, role, monthly in batch:
            person = users[user_id]
            item = found[user_id]
            item.policy = policy.get(user_id) or policy_digest.PolicyUpdates()
            if role in ("coordinator", "admin"):
                item.figures = figures
                item.policy_note = note if monthly else None
            if not item.has_news():
                outcome["empty"] += 1
                continue
            link = f"{base}/unsubscribe/{unsubscribe_token(user_id)}"
            subject, text, html = render(item, groups=groups, base=base, clock=clock, unsubscribe=link)
            messages.append(dict(
                kind="digest", recipient=person.email, recipient_id=person.id, subject=subject, text_body=text,
                html_body=html, dedupe_key=f"digest:{freq}:{period}:user{user_id}",
                headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}))
        outcome["sent"] += outbox.enqueue_many(messages)
        # One statement for the batch, empty digests included (nothing happened in their window):
        # the period is handled, and "since your last digest" starts here next time.
        db.session.execute(sa.update(User).where(User.id.in_(ids)).values(last_digest_at=at),
                           execution_options={"synchronize_session": False})
    db.session.flush()
    return outcome


def language_of(person) -> str:
    return person.language if person.language in ("es", "en") else "es"


def render(item: PersonNews, *, language: str | None = None, **values) -> tuple[str, str, str]:
    """Subject, text and HTML of a person's digest, in their language (or `language`), from one structure."""
    language = language or language_of(item.person)
    with force_locale(language):
        content = compose(item, **values)
    return outbox.render("digest", language, digest=content)


def preview(person: User, at: datetime, language: str) -> tuple[DigestContent | None, tuple[str, str, str] | None]:
    """What `person` would receive at `at` if their digest went out now (None if there is nothing to say),
    as the structure in `language` and as the e-mail (subject, text, HTML) in that language too."""
    frequency = person.digest_frequency if person.digest_frequency in WINDOWS else "weekly"
    last = person.last_digest_at
    since = max(last, at - WINDOWS[frequency]) if last else at - WINDOWS[frequency]
    groups = {g.id: g for g in db.session.execute(sa.select(WorkingGroup)).scalars()}
    # Only the groups this person leads need the leads' lists (silent members, minutes, uncoded).
    led = sorted(g for g, role in person.group_roles().items() if role == "lead")
    context = _run_context(at, led)
    progress = {group_id: average for group_id, (average, _count) in progress_by_group().items()}
    item = _people_news({person.id: person}, [(person.id, frequency, since)], at, context, groups, progress)[person.id]
    item.policy = policy_digest.updates_for([person.id], {person.id: since}, at, {person.id: language}).get(
        person.id) or policy_digest.PolicyUpdates()
    if person.role in ("coordinator", "admin"):
        # On the cache's grid, so a page anyone may reload reads the running tallies, not a recount.
        on_grid = dashboard_cache.clock(at)
        item.figures = coordinator_figures(on_grid, on_grid - timedelta(days=7))
        local = _local(at, person.timezone)
        if policy_digest.note_due(_local(last, person.timezone) if last else None, local):
            item.policy_note = policy_digest.policy_note(at)
    if not item.has_news():
        return None, None
    base = current_app.config["BASE_URL"].rstrip("/")
    values = dict(groups=groups, base=base, clock=coalition_clock(at),
                  unsubscribe=f"{base}/unsubscribe/{unsubscribe_token(person.id)}")
    with force_locale(language):
        content = compose(item, **values)
    return content, outbox.render("digest", language, digest=content)


def set_mutes(actor: User, muted_group_ids: set[int]) -> None:
    """Mute the news of these groups in the actor's digest, and unmute the others (only groups they belong to)."""
    mine = set(db.session.scalars(sa.select(GroupMembership.group_id).where(GroupMembership.user_id == actor.id)))
    wanted = {g for g in muted_group_ids if g in mine}
    current = set(db.session.scalars(sa.select(DigestMute.group_id).where(DigestMute.user_id == actor.id)))
    if current - wanted:
        db.session.execute(sa.delete(DigestMute).where(DigestMute.user_id == actor.id,
                                                       DigestMute.group_id.in_(current - wanted)))
    db.session.add_all(DigestMute(user_id=actor.id, group_id=g) for g in sorted(wanted - current))
    db.session.flush()


def mute_choices(person: User) -> list[tuple[WorkingGroup, bool]]:
    """The person's groups, each with whether its news is muted in their digest (one statement)."""
    return [(group, bool(muted)) for group, muted in db.session.execute(
        sa.select(WorkingGroup, DigestMute.user_id.is_not(None))
        .join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .outerjoin(DigestMute, sa.and_(DigestMute.group_id == WorkingGroup.id, DigestMute.user_id == person.id))
        .where(GroupMembership.user_id == person.id).order_by(WorkingGroup.id))]
