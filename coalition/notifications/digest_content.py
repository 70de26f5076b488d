"""A digest as one structure: a subject, sections of linked items. The text part, the HTML part and the
preview page are all drawn from it, so they say the same things.

Every item links to its page with the BASE_URL and a stable path (a deliverable, its update form, a
meeting, a group). Strings are written here in the reader's language: call `compose` inside
`force_locale`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _, ngettext

from coalition.database import coalition_timezone_name
from coalition.deliverables.health import HealthClock, is_overdue, is_stale
from coalition.deliverables.models import STATUSES
from coalition.institutions.models import SECTORS
from coalition.notifications.digest_news import Change, GroupChanges
from coalition.notifications.models import DIGEST_DUE_SOON_DAYS, DIGEST_NOTE_SHOWN
from coalition.templating import in_timezone, local_date

# At most this many parts in a subject ("2 deliverables due this week · 5 changes in AI Ethics").
SUBJECT_PARTS = 3


@dataclass
class Item:
    """One line: what it says, where it leads, and maybe a second line and an action with its own link."""

    text: str
    link: str
    detail: str = ""
    action: str = ""
    action_link: str = ""


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    link: str = ""  # where the title leads, if anywhere
    more: Item | None = None  # "…and 4 more", linked to where they all are
    note: str = ""  # a sentence in place of items ("Nothing has stalled.")
    level: int = 2


@dataclass
class DigestContent:
    subject: str
    greeting: str
    sections: list[Section]
    footer: str
    settings_link: str
    unsubscribe_link: str

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in (*section.items, *([section.more] if section.more else []))]


@dataclass
class PersonNews:
    """Everything a person's digest may say, gathered for a batch (coalition/notifications/digests.py)."""

    person: object
    frequency: str
    since: datetime
    mine: list = field(default_factory=list)  # Deliverable, with .group
    groups: list = field(default_factory=list)  # [(WorkingGroup, average progress, muted)]
    changes: dict[int, GroupChanges] = field(default_factory=dict)  # per group, the person's own lines dropped
    meetings: list = field(default_factory=list)
    led: list = field(default_factory=list)  # WorkingGroup led by the person
    uncoded: list = field(default_factory=list)  # [(group_id, consultation, n)]
    silent: dict = field(default_factory=dict)  # group_id -> ([(user_id, name)], total)
    awaiting: dict = field(default_factory=dict)  # group_id -> ([(meeting_id, title, starts_at)], total)
    policy: object = None  # coalition.policy.digest.PolicyUpdates
    figures: object = None  # digests.CoordinatorFigures, for coordinators
    policy_note: object = None  # coalition.policy.digest.PolicyNote, a coordinator's first of the month

    def has_news(self) -> bool:
        """Whether there is anything to say (else no digest is sent)."""
        return bool(self.mine or any(c.changes for c in self.changes.values()) or self.meetings or self.uncoded
                    or any(s for s, _t in self.silent.values()) or any(a for a, _t in self.awaiting.values())
                    or self.policy or self.figures)


def shorten(text: str, limit: int = DIGEST_NOTE_SHOWN) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _names(authors: list[tuple[int, str]], limit: int = 3) -> str:
    names = [name for _id, name in authors[:limit]]
    if len(authors) > limit:
        names.append(ngettext("%(num)s more", "%(num)s more", len(authors) - limit))
    return ", ".join(names)


def _change_item(change: Change, base: str) -> Item:
    text = f"{change.title}: {change.progress_before}% → {change.progress_after}%"
    if change.status_changed:
        text += f" · {STATUSES.get(change.status_before, change.status_before)} → " \
                f"{STATUSES.get(change.status_after, change.status_after)}"
    parts = []
    if change.authors:
        parts.append(_("by %(names)s", names=_names(change.authors)))
    if change.note:
        parts.append(f"“{shorten(change.note)}”")
    return Item(text=text, link=f"{base}/deliverables/{change.deliverable_id}", detail=" · ".join(parts))


def _mine_item(d, clock: HealthClock, base: str) -> Item:
    if is_overdue(d.status, d.due_date, clock):
        state = _("Overdue")
    elif is_stale(d.status, d.last_update_at, clock):
        state = _("No update for two weeks")
    else:
        days = (d.due_date - clock.today).days
        state = ngettext("due in %(num)s day", "due in %(num)s days", days) if days else _("due today")
    due = _("due %(date)s", date=local_date(d.due_date))  # outside the f-string, where Babel finds it
    text = f"{d.title} · {due} · {d.progress}% · {state}"
    return Item(text=text, link=f"{base}/deliverables/{d.id}", action=_("Record progress"),
                action_link=f"{base}/deliverables/{d.id}#update-heading")


def _policy_text(p: dict) -> str:
    if p["event_kind"] == "stage":
        line = _("%(title)s: %(stage)s (%(on)s)", title=p["title"], stage=p["stage"], on=local_date(p["on"]))
    elif p["event_kind"] == "uptake":
        line = _("%(title)s takes up “%(recommendation)s”: %(degree)s", title=p["title"],
                 recommendation=p["recommendation"], degree=p["degree"])
    else:
        line = _("%(kind)s: %(engagement)s with %(body)s (%(on)s)", kind=p.get("engagement_kind", ""),
                 engagement=p["engagement"], body=p.get("body", ""), on=local_date(p["on"]))
    return f"{line} · {p['state']}" if p.get("state") else line


def _coordinator_sections(figures, groups: dict, base: str, language: str) -> list[Section]:
    board = figures.board
    progress = Section("progress", _("Progress by working group"), link=f"{base}/dashboard")
    for group_id, average, _count in board.progress:
        group = groups[group_id]
        week = board.change.get(group_id, (0, 0))[0]
        text = f"{group.name_in(language)}: {average}%"
        if week:
            points = _("points this week")
            text += f" ({'%+.1f' % week} {points})"
        progress.items.append(Item(text=text, link=f"{base}/groups/{group.slug}/dashboard"))
    progress.items.append(Item(text=_("On track: %(on)s · At risk: %(risk)s · Off track: %(off)s",
                                      on=board.by_health.get("on_track", 0), risk=board.by_health.get("at_risk", 0),
                                      off=board.by_health.get("off_track", 0)), link=f"{base}/dashboard"))
    sections = [progress]
    if board.overdue:
        sections.append(Section("overdue", _("Overdue"), link=f"{base}/deliverables?overdue=true", items=[
            Item(text=f"{d.title} · {groups[d.group_id].name_in(language)} · {d.owner_name} · "
                      f"{local_date(d.due_date)}", link=f"{base}/deliverables/{d.id}") for d in board.overdue]))
    if board.stale:
        sections.append(Section("stale", _("Stale: no update for two weeks"), items=[
            Item(text=f"{d.title} · {groups[d.group_id].name_in(language)} · {d.owner_name}",
                 link=f"{base}/deliverables/{d.id}") for d in board.stale]))
    if board.without_minutes:
        sections.append(Section("without_minutes", _("Meetings without minutes"), items=[
            Item(text=f"{m.title} · {groups[m.group_id].name_in(language)}", link=f"{base}/meetings/{m.id}")
            for m in board.without_minutes]))
    if board.attendance_by_sector:
        sections.append(Section("attendance", _("Attendance by sector this week"), items=[
            Item(text=f"{SECTORS.get(sector, sector)}: {attended}/{total}", link=f"{base}/dashboard?sector={sector}")
            for sector, (attended, total) in sorted(board.attendance_by_sector.items())]))
    week = Section("week", _("This week"), items=[
        Item(text=_("New members this week: %(n)s", n=figures.new_members), link=f"{base}/groups"),
        Item(text=_("Contributions to consultations this week: %(n)s", n=figures.contributions),
             link=f"{base}/consultations")])
    sections.append(week)
    if figures.adopted:
        sections.append(Section("adopted", _("Recommendations adopted this week"), items=[
            Item(text=title_es if language == "es" else title_en, link=f"{base}/recommendations/{rec_id}")
            for rec_id, title_es, title_en in figures.adopted]))
    return sections


def _policy_note_sections(note, base: str, language: str) -> list[Section]:
    sections = [Section("policy_note", _("Policy note: %(month)s", month=local_date(note.month, "LLLL y")),
                        link=f"{base}/instruments")]
    adopted = Section("policy_adopted", _("Instruments approved or in force:"), level=3, items=[
        Item(text=f"{a.title_in(language)} · {a.stage_label} ({local_date(a.on)})", link=f"{base}/instruments/{a.id}")
        for a in note.adopted])
    if not adopted.items:
        adopted.note = _("No instrument was approved or came into force.")
    sections.append(adopted)
    if note.uptakes:
        uptakes = Section("policy_uptakes", _("Recommendations adopted by an instrument:"), level=3)
        for u in note.uptakes:
            instrument, recommendation = u.titles_in(language)
            uptakes.items.append(Item(text=_("“%(recommendation)s” in %(instrument)s", recommendation=recommendation,
                                             instrument=instrument), link=f"{base}/instruments/{u.instrument_id}"))
        sections.append(uptakes)
    since = {s.id: _("since %(date)s", date=local_date(s.since)) for s in note.stalled}
    stalled = Section("policy_stalled", ngettext(
        "Stalled, no stage change for %(days)s days (%(num)s instrument):",
        "Stalled, no stage change for %(days)s days (%(num)s instruments):", note.stalled_total,
        days=note.stalled_after_days), level=3, items=[
        Item(text=f"{s.title_in(language)} · {s.stage_label} {since[s.id]}",
             link=f"{base}/instruments/{s.id}") for s in note.stalled])
    if note.stalled_total > len(note.stalled):
        stalled.more = Item(text=_("…and %(n)s more.", n=note.stalled_total - len(note.stalled)),
                            link=f"{base}/instruments")
    if not stalled.items:
        stalled.title, stalled.note = _("Stalled instruments"), _("Nothing has stalled.")
    sections.append(stalled)
    quiet = Section("policy_quiet", _("States"), level=3, link=f"{base}/states")
    if note.quiet_states:
        quiet.items.append(Item(text=ngettext(
            "%(num)s state with no activity in %(days)s days: %(states)s",
            "%(num)s states with no activity in %(days)s days: %(states)s", len(note.quiet_states),
            days=note.stalled_after_days, states=", ".join(note.quiet_names)), link=f"{base}/states"))
    else:
        quiet.note = _("Every state shows activity.")
    sections.append(quiet)
    return sections


def compose(news: PersonNews, *, groups: dict, base: str, clock: HealthClock, unsubscribe: str) -> DigestContent:
    """The digest of one person, in the current locale (their language, or the preview page's)."""
    person = news.person
    language = person.language if person.language in ("es", "en") else "es"
    from flask_babel import get_locale

    language = str(get_locale() or language)
    sections: list[Section] = []
    subject: list[str] = []

    # The person's own work first: what is overdue, stale or due within a week, each with its update form.
    if news.mine:
        sections.append(Section("mine", _("Your deliverables"), link=f"{base}/deliverables?owner=me",
                                items=[_mine_item(d, clock, base) for d in news.mine]))
        overdue = sum(is_overdue(d.status, d.due_date, clock) for d in news.mine)
        due = sum(1 for d in news.mine if not is_overdue(d.status, d.due_date, clock)
                  and (d.due_date - clock.today).days <= DIGEST_DUE_SOON_DAYS)
        stale = len(news.mine) - overdue - due
        if overdue:
            subject.append(ngettext("%(num)s overdue deliverable", "%(num)s overdue deliverables", overdue))
        if due:
            subject.append(ngettext("%(num)s deliverable due this week", "%(num)s deliverables due this week", due))
        if stale:
            subject.append(ngettext("%(num)s deliverable to update", "%(num)s deliverables to update", stale))

    # A lead's duties: contributions to code, silent members, meetings awaiting minutes.
    if news.uncoded:
        items = [Item(text=ngettext("%(group)s: %(num)s uncoded contribution in “%(consultation)s”",
                                    "%(group)s: %(num)s uncoded contributions in “%(consultation)s”", n,
                                    group=groups[gid].name_in(language),
                                    consultation=consultation.title_in(language)),
                      link=f"{base}/consultations/{consultation.slug}/coding?group={groups[gid].slug}")
                 for gid, consultation, n in news.uncoded]
        sections.append(Section("uncoded", _("Contributions to code"), items=items))
        total = sum(n for _gid, _c, n in news.uncoded)
        subject.append(ngettext("%(num)s contribution to code", "%(num)s contributions to code", total))
    for group in news.led:
        silent, total = news.silent.get(group.id, ([], 0))
        if silent:
            section = Section(f"silent-{group.slug}", _("Silent for a month in %(group)s",
                                                         group=group.name_in(language)),
                              link=f"{base}/groups/{group.slug}")
            # Their deliverables in the group: what the lead would look at to see why they went quiet.
            section.items = [Item(text=name, link=f"{base}/deliverables?group={group.slug}&owner={uid}")
                             for uid, name in silent]
            if total > len(silent):
                section.more = Item(text=_("…and %(n)s more.", n=total - len(silent)),
                                    link=f"{base}/groups/{group.slug}")
            sections.append(section)
    awaiting_total = 0
    for group in news.led:
        awaiting, total = news.awaiting.get(group.id, ([], 0))
        if awaiting:
            awaiting_total += total
            section = Section(f"minutes-{group.slug}", _("Meetings awaiting minutes in %(group)s",
                                                         group=group.name_in(language)),
                              link=f"{base}/meetings?group={group.slug}&when=past")
            section.items = [Item(text=f"{title} · {local_date(starts_at.astimezone(clock_zone(person)).date())}",
                                  link=f"{base}/meetings/{meeting_id}", action=_("Write the minutes"),
                                  action_link=f"{base}/meetings/{meeting_id}#minutes")
                             for meeting_id, title, starts_at in awaiting]
            if total > len(awaiting):
                section.more = Item(text=_("…and %(n)s more.", n=total - len(awaiting)),
                                    link=f"{base}/meetings?group={group.slug}&when=past")
            sections.append(section)
    if awaiting_total:
        subject.append(ngettext("%(num)s meeting awaiting minutes", "%(num)s meetings awaiting minutes",
                                awaiting_total))

    # A coordinator's figures, and once a month the policy note.
    if news.figures is not None:
        sections += _coordinator_sections(news.figures, groups, base, language)
        off = news.figures.board.by_health.get("off_track", 0)
        if off:
            subject.append(ngettext("%(num)s deliverable off track in the coalition",
                                    "%(num)s deliverables off track in the coalition", off))
    if news.policy_note is not None:
        sections += _policy_note_sections(news.policy_note, base, language)

    # The groups: their progress, then one line per changed deliverable.
    if news.groups:
        muted_label = _("news muted")
        sections.append(Section("groups", _("Your groups"), items=[
            Item(text=f"{group.name_in(language)}: {average}%" + (f" · {muted_label}" if muted else ""),
                 link=f"{base}/groups/{group.slug}") for group, average, muted in news.groups]))
    busiest = None
    for group, _average, muted in news.groups:
        found = news.changes.get(group.id)
        if muted or not found or not found.changes:
            continue
        section = Section(f"changes-{group.slug}", _("What changed in %(group)s", group=group.name_in(language)),
                          link=f"{base}/groups/{group.slug}", items=[_change_item(c, base) for c in found.changes])
        if found.total > len(found.changes):
            section.more = Item(text=_("…and %(n)s more.", n=found.total - len(found.changes)),
                                link=f"{base}/groups/{group.slug}/dashboard")
        sections.append(section)
        if busiest is None or found.total > busiest[1]:
            busiest = (group, found.total)
    if busiest:
        subject.append(ngettext("%(num)s change in %(group)s", "%(num)s changes in %(group)s", busiest[1],
                                group=busiest[0].name_in(language)))

    if news.policy:
        section = Section("policy", _("Policy updates"), link=f"{base}/instruments",
                          items=[Item(text=_policy_text(p), link=p["link"]) for p in news.policy.lines])
        if news.policy.more:
            section.more = Item(text=_("…and %(n)s more.", n=news.policy.more), link=f"{base}/instruments")
        sections.append(section)
        subject.append(ngettext("%(num)s policy update", "%(num)s policy updates",
                                len(news.policy.lines) + news.policy.more))
    if news.meetings:
        sections.append(Section("meetings", _("Upcoming meetings"), link=f"{base}/meetings", items=[
            Item(text=f"{m.title} · {in_timezone(m.starts_at, person.timezone or coalition_timezone_name())}",
                 link=f"{base}/meetings/{m.id}") for m in news.meetings]))
        subject.append(ngettext("%(num)s upcoming meeting", "%(num)s upcoming meetings", len(news.meetings)))

    if subject:
        title = " · ".join(subject[:SUBJECT_PARTS])
    elif news.figures is not None:
        title = _("Coalition progress: the week in figures")
    elif news.frequency == "daily":
        title = _("Your day in the coalition")
    else:
        title = _("Your week in the coalition")
    frequency = {"daily": _("Daily"), "weekly": _("Weekly")}.get(news.frequency, _("Weekly"))
    footer = _("You receive this digest because your digest setting is “%(frequency)s”. Change it on your "
               "settings page, or stop it with one click:", frequency=frequency)
    return DigestContent(subject=title, greeting=_("Hello %(name)s,", name=person.name), sections=sections,
                         footer=footer, settings_link=f"{base}/settings/digest", unsubscribe_link=unsubscribe)


def clock_zone(person):
    """The person's timezone (the coalition's if theirs is unknown)."""
    from zoneinfo import ZoneInfo

    from coalition.database import coalition_timezone

    try:
        return ZoneInfo(person.timezone)
    except (KeyError, ValueError, TypeError):
        return coalition_timezone()

