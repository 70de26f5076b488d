"""Load the demo coalition: fictional but realistic, the same on every run, and fast at any scale.

Rows go in with Core bulk inserts in batches rather than ORM objects: `--scale 100` writes
hundreds of thousands of rows. Parents get their ids assigned here (the database is empty, so
ids start after max(id)); children let the database number them.
"""
from __future__ import annotations

import heapq
import itertools
import math
import random
import secrets
import unicodedata
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.deliverables.models import (
    Deliverable, DeliverableUpdate, Milestone, deliverable_institutions)
from coalition.demo import data
from coalition.extensions import db
from coalition.groups.models import GROUPS, GroupMembership, WorkingGroup, group_lead_institutions
from coalition.institutions.models import ABROAD, STATES, Institution
from coalition.meetings.models import ActionItem, Attendance, Decision, Meeting, MinutesRevision

HOME = ZoneInfo("America/Mexico_City")
BATCH_SIZE = 5000
SQLITE_CACHE_KIB = 256 * 1024
# In progress with no update for longer than this: well past the 14-day stale threshold.
STALE_AGE_DAYS = (22, 70)

# The first deliverables of every group follow these profiles, so each status and each
# reminder case (overdue, due soon, stale) exists in every group; the rest are drawn by weight.
GUARANTEED_PROFILES = ("done", "done", "review", "on_track", "stale", "overdue", "due_soon", "blocked",
                       "not_started", "on_track")
PROFILE_WEIGHTS = {"on_track": 3, "done": 2, "stale": 1, "review": 1, "not_started": 1, "overdue": 1,
                   "blocked": 0.5, "due_soon": 0.5, "review_stale": 0.5}
# Ethics deliverables (by position) owned by the fixed accounts, so their home pages have work.
MEMBER_DELIVERABLES = {3: "plain", 5: "any"}  # 3 is on_track: in progress, never milestones
LEAD_DELIVERABLES = (2, 7)

# Tables whose batches move a progress bar, and the step name the bar shows.
PROGRESS_STEPS = {
    "institutions": "institutions", "users": "people", "group_memberships": "memberships",
    "deliverables": "deliverables", "deliverable_updates": "updates", "meetings": "meetings",
    "attendance": "attendance",
}
COUNT_NAMES = {
    "institutions": "institutions", "users": "people", "group_memberships": "memberships",
    "deliverables": "deliverables", "milestones": "milestones", "deliverable_updates": "updates",
    "meetings": "meetings", "minutes_revisions": "minutes_revisions", "attendance": "attendance",
    "decisions": "decisions", "action_items": "action_items",
}


def database_has_data() -> bool:
    """Tell whether anything beyond what migrations create (the six groups) is in the database."""
    for model in (Institution, User, Deliverable, Meeting):
        if db.session.execute(sa.select(model.id).limit(1)).first() is not None:
            return True
    return False


def seed_demo(scale: int = 1, password: str = "coalition-demo", today: date | None = None,
              progress=None) -> dict:
    """Fill an empty database with the demo coalition, `scale` times its size; return row counts."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    from coalition.auth.services import hash_password

    # Hashed once: a memory-hard hash per person would take minutes at large scales.
    password_hash = hash_password(password)
    # Nothing is committed here: one transaction is fastest on SQLite and lets the caller commit all or nothing.
    return _DemoBuilder(scale, password_hash, today, progress).run()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _date_es(day: date) -> str:
    return f"{day.day} de {data.MONTHS_ES[day.month - 1]} de {day.year}"


class _DemoBuilder:
    def __init__(self, scale: int, password_hash: str, today: date | None, progress):
        self.scale = scale
        self.rng = random.Random(41 + scale)
        if today is None:
            self.now = datetime.now(timezone.utc)
            self.today = self.now.astimezone(HOME).date()
        else:
            self.today = today
            self.now = datetime.combine(today, time(12), tzinfo=HOME).astimezone(timezone.utc)
        self.password_hash = password_hash
        self.progress = progress
        self.pending: dict[sa.Table, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.next_ids: dict[str, int] = {}

    def run(self) -> dict:
        sqlite = db.session.connection().dialect.name == "sqlite"
        if sqlite:
            # SQLite's default 2 MiB page cache thrashes on large scales' indexes; widen it meanwhile.
            cache_size = db.session.execute(sa.text("PRAGMA cache_size")).scalar()
            db.session.execute(sa.text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
        self.groups = self._groups()
        self._institutions()
        self._people()
        self._memberships()
        self._deliverables()
        self._meetings()
        self._sync_sequences()
        if sqlite:
            db.session.execute(sa.text(f"PRAGMA cache_size={int(cache_size)}"))
        counts = {"groups": len(self.groups)}
        counts.update({name: self.counts.get(table, 0) for table, name in COUNT_NAMES.items()})
        return counts

    # -- writing -----------------------------------------------------------------------------

    def _new_id(self, table: sa.Table) -> int:
        if table.name not in self.next_ids:
            current = db.session.execute(sa.select(sa.func.max(table.c.id))).scalar()
            self.next_ids[table.name] = (current or 0) + 1
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def _add(self, table: sa.Table, row: dict) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH_SIZE:
            self._flush(table)

    def _flush(self, table: sa.Table | None = None) -> None:
        """Insert what is buffered (parents first: tables flush in the order they were first buffered)."""
        for each in [table] if table is not None else list(self.pending):
            rows = self.pending.get(each)
            if not rows:
                continue
            db.session.execute(each.insert(), rows)
            self.counts[each.name] = self.counts.get(each.name, 0) + len(rows)
            self.pending[each] = []
            step = PROGRESS_STEPS.get(each.name)
            if step and self.progress is not None:
                done = self.counts[each.name]
                self.progress(step, done, max(done, self.totals.get(each.name, done)))

    # -- time --------------------------------------------------------------------------------

    def _moment(self, day: date, hour: int | None = None) -> datetime:
        """An aware UTC instant during Mexico City working hours on `day`."""
        if hour is None:
            hour = self.rng.randint(9, 18)
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(0, 60, 5), tzinfo=HOME)
        return min(local.astimezone(timezone.utc), self.now - timedelta(minutes=30))

    def _days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    # -- groups and institutions -------------------------------------------------------------

    def _groups(self) -> dict[str, WorkingGroup]:
        existing = {g.slug: g for g in db.session.scalars(sa.select(WorkingGroup))}
        for position, (slug, name_en, name_es) in enumerate(GROUPS):
            if slug not in existing:
                description_en, description_es = data.GROUP_DESCRIPTIONS[slug]
                group = WorkingGroup(slug=slug, name_en=name_en, name_es=name_es, position=position,
                                     description_en=description_en, description_es=description_es)
                db.session.add(group)
                existing[slug] = group
        db.session.flush()
        return {slug: existing[slug] for slug, _, _ in GROUPS}

    def _institutions(self) -> None:
        rng = self.rng
        table = Institution.__table__
        self.institutions: list[dict] = []
        self.by_acronym: dict[str, dict] = {}
        self.totals["institutions"] = len(data.INSTITUTIONS) * self.scale
        for copy in range(1, self.scale + 1):
            for name, acronym, sector, state, country in data.INSTITUTIONS:
                active = acronym not in data.INACTIVE_INSTITUTIONS
                if copy > 1:  # names and acronyms stay unique at every scale
                    name, acronym = f"{name} {copy}", f"{acronym}{copy}"
                joined = self._days_ago(rng.randint(60, 6 * 365))
                place = country if state == ABROAD else STATES[state]
                description = rng.choice(data.SECTOR_DESCRIPTIONS[sector]).format(
                    place=place, topic=rng.choice(data.SECTOR_TOPICS[sector]))
                institution = {"id": self._new_id(table), "acronym": acronym, "sector": sector,
                               "state": state, "country": country, "joined": joined, "active": active,
                               "domain": f"{acronym.lower()}.example.org", "people": []}
                self.institutions.append(institution)
                self.by_acronym[acronym] = institution
                created = self._moment(joined, 10)
                self._add(table, {
                    "id": institution["id"], "name": name, "acronym": acronym, "sector": sector,
                    "state": state, "country": country, "website": f"https://{institution['domain']}/",
                    "joined_on": joined, "active": active, "description": description,
                    "created_at": created, "updated_at": created,
                })
        self._flush()

    # -- people ------------------------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
        table = User.__table__
        self.emails: set[str] = set()
        self.people: list[dict] = []
        self.fixed: dict[str, dict] = {}
        sizes = [rng.randint(3, 4) for _ in self.institutions]
        self.totals["users"] = len(data.DEMO_ACCOUNTS) + sum(sizes)
        founded = self._days_ago(2 * 365)
        for email, name, role, acronym in data.DEMO_ACCOUNTS:
            institution = self.by_acronym.get(acronym) if acronym else None
            person = self._person(institution, name, email, founded)
            self.fixed[email] = person
            self._add(table, {
                **self._user_row(person, email, name, institution),
                "role": role, "language": "es", "timezone": "America/Mexico_City",
                "digest_frequency": "weekly", "digest_weekday": 0, "digest_hour": 8, "active": True,
            })
        for institution, size in zip(self.institutions, sizes):
            for _ in range(size):
                female = rng.random() < 0.5
                first = rng.choice(data.FEMALE_NAMES if female else data.MALE_NAMES)
                surname1, surname2 = rng.sample(data.SURNAMES, 2)
                name = f"{first} {surname1} {surname2}"
                email = self._email(first, surname1, surname2, institution["domain"])
                span = max(0, (self.today - institution["joined"]).days - 20)
                joined = institution["joined"] + timedelta(days=rng.randint(0, span))
                person = self._person(institution, name, email, joined)
                person["active"] = rng.random() > 0.02
                self.people.append(person)
                self._add(table, {
                    **self._user_row(person, email, name, institution),
                    "role": "member", "language": self._language(institution),
                    "timezone": self._timezone(institution), **self._digest_settings(),
                    "active": person["active"],
                })
        self._flush()

    def _person(self, institution: dict | None, name: str, email: str, joined: date) -> dict:
        person = {"id": self._new_id(User.__table__), "name": name, "email": email, "joined": joined,
                  "institution": institution, "institution_id": institution["id"] if institution else None,
                  "sector": institution["sector"] if institution else None, "active": True,
                  # Some people simply show up more than others.
                  "habit": self.rng.uniform(0.7, 1.2)}
        if institution is not None:
            institution["people"].append(person)
        return person

    def _user_row(self, person: dict, email: str, name: str, institution: dict | None) -> dict:
        created = self._moment(person["joined"])
        last_login = None
        if self.rng.random() < 0.7:
            last_login = max(created, self.now - timedelta(minutes=self.rng.randint(30, 40 * 24 * 60)))
        return {
            "id": person["id"], "email": email, "name": name,
            "institution_id": institution["id"] if institution else None,
            "password_hash": self.password_hash, "session_token": secrets.token_urlsafe(32),
            "created_at": created, "last_login_at": last_login, "last_digest_at": None,
        }

    def _email(self, first: str, surname1: str, surname2: str, domain: str) -> str:
        local = f"{_ascii(first.split()[0])}.{_ascii(surname1)}"
        candidates = itertools.chain((local, f"{local}.{_ascii(surname2)}"),
                                     (f"{local}{n}" for n in itertools.count(2)))
        for candidate in candidates:
            email = f"{candidate}@{domain}"
            if email not in self.emails:
                self.emails.add(email)
                return email

    def _language(self, institution: dict) -> str:
        if institution["state"] == ABROAD:
            share = 0.5
        elif institution["sector"] == "international":
            share = 0.3
        else:
            share = 0.04
        return "en" if self.rng.random() < share else "es"

    def _timezone(self, institution: dict) -> str:
        if institution["state"] == ABROAD:
            return self.rng.choice(data.COUNTRY_TIMEZONES[institution["country"]])
        local = data.STATE_TIMEZONES.get(institution["state"])
        if local and self.rng.random() < 0.85:
            return local
        return "America/Mexico_City"

    def _digest_settings(self) -> dict:
        rng = self.rng
        r = rng.random()
        frequency = "weekly" if r < 0.8 else "daily" if r < 0.92 else "off"
        return {"digest_frequency": frequency,
                "digest_weekday": 0 if rng.random() < 0.8 else rng.randint(0, 4),
                "digest_hour": 8 if rng.random() < 0.7 else rng.choice((7, 9, 18))}

    # -- memberships -------------------------------------------------------------------------

    def _memberships(self) -> None:
        rng = self.rng
        table = GroupMembership.__table__
        pool = [p for p in self.people if p["active"] and p["institution"]["active"]]
        self.members: dict[str, list[dict]] = {}
        self.leads: dict[str, list[dict]] = {}
        # Memberships grow with the square root of the scale: attendance is members x meetings.
        size = math.sqrt(self.scale)
        for slug, group in self.groups.items():
            plan = data.GROUP_PLANS[slug]
            lead_institutions = [self.by_acronym[acronym] for acronym in plan["leads"]]
            for institution in lead_institutions:
                self._add(group_lead_institutions, {"group_id": group.id, "institution_id": institution["id"]})
            if slug == "ethics":
                colead = rng.choice([p for p in lead_institutions[1]["people"] if p["active"]])
                leads = [self.fixed["lead@example.org"], colead]
                chosen = leads + [self.fixed["member@example.org"]]
            else:
                candidates = [p for inst in lead_institutions for p in inst["people"] if p["active"]]
                leads = rng.sample(candidates, rng.randint(1, 2))
                chosen = list(leads)
            target = max(len(chosen) + 5, round(rng.randint(15, 30) * size))
            taken = {p["id"] for p in chosen}
            bonus = plan.get("abroad_bonus", 1)
            for sector, quota in self._quotas(plan["weights"], target, chosen).items():
                candidates = [p for p in pool if p["sector"] == sector and p["id"] not in taken]
                weights = [bonus if p["institution"]["state"] == ABROAD else 1 for p in candidates]
                chosen += self._weighted_sample(candidates, weights, quota)
            self.leads[slug] = leads
            self.members[slug] = chosen
        self.totals["group_memberships"] = sum(len(chosen) for chosen in self.members.values())
        for slug, group in self.groups.items():
            lead_ids = {p["id"] for p in self.leads[slug]}
            for person in self.members[slug]:
                start = max(person["joined"], (person["institution"] or {}).get("joined", person["joined"]))
                span = max(0, (self.today - start).days - 7)
                since = start + timedelta(days=rng.randint(0, span))
                self._add(table, {
                    "group_id": group.id, "user_id": person["id"],
                    "role": "lead" if person["id"] in lead_ids else "member",
                    "since": since, "created_at": self._moment(since),
                })
        self._flush()

    @staticmethod
    def _quotas(weights: dict[str, float], target: int, chosen: list[dict]) -> dict[str, int]:
        """Split `target` members across sectors by weight (largest remainder), net of those already chosen."""
        total = sum(weights.values())
        shares = {sector: target * weight / total for sector, weight in weights.items()}
        quotas = {sector: math.floor(share) for sector, share in shares.items()}
        by_remainder = sorted(shares, key=lambda sector: (quotas[sector] - shares[sector], sector))
        for sector in by_remainder[:target - sum(quotas.values())]:
            quotas[sector] += 1
        for person in chosen:
            if quotas.get(person["sector"], 0) > 0:
                quotas[person["sector"]] -= 1
        return quotas

    def _weighted_sample(self, items: list, weights: list[float], k: int) -> list:
        """Draw k distinct items, each with probability proportional to its weight (Efraimidis–Spirakis)."""
        rng = self.rng
        keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0]
        return [items[i] for _, i in heapq.nlargest(k, keyed)]

    # -- deliverables ------------------------------------------------------------------------

    def _deliverables(self) -> None:
        rng = self.rng
        table = Deliverable.__table__
        plans = []
        profiles, profile_weights = list(PROFILE_WEIGHTS), list(PROFILE_WEIGHTS.values())
        for slug, group in self.groups.items():
            members, leads = self.members[slug], self.leads[slug]
            context = self._group_context(slug)
            titles = list(data.DELIVERABLES[slug])
            rng.shuffle(titles)
            for i in range(rng.randint(10, 14) * self.scale):
                profile = (GUARANTEED_PROFILES[i] if i < len(GUARANTEED_PROFILES)
                           else rng.choices(profiles, profile_weights)[0])
                title, description = titles[i % len(titles)]
                if i >= len(titles):
                    title = f"{title} (ciclo {i // len(titles) + 1})"
                plain = False
                if slug == "ethics" and i in MEMBER_DELIVERABLES:
                    owner = self.fixed["member@example.org"]
                    plain = MEMBER_DELIVERABLES[i] == "plain"
                elif slug == "ethics" and i in LEAD_DELIVERABLES:
                    owner = self.fixed["lead@example.org"]
                else:
                    owner = rng.choice(leads) if rng.random() < 0.2 else rng.choice(members)
                plan = self._deliverable_plan(profile, plain)
                plan.update(id=self._new_id(table), slug=slug, owner=owner, context=context)
                plan["institution_ids"] = self._contributors(owner, context)
                plans.append(plan)
                self._add(table, {
                    "id": plan["id"], "group_id": group.id, "title": title, "description": description,
                    "owner_id": owner["id"], "start_date": plan["start_date"], "due_date": plan["due_date"],
                    "status": plan["status"], "progress": plan["progress"], "version": plan["updates"] + 1,
                    "last_update_at": plan["last_at"], "created_by_id": rng.choice(leads)["id"],
                    "created_at": plan["created_at"], "updated_at": plan["last_at"],
                })
        self.totals["deliverables"] = len(plans)
        self.totals["deliverable_updates"] = sum(plan["updates"] for plan in plans)
        self._flush()
        for plan in plans:
            for institution_id in plan["institution_ids"]:
                self._add(deliverable_institutions, {"deliverable_id": plan["id"], "institution_id": institution_id})
            for milestone in plan["milestones"]:
                self._add(Milestone.__table__, {"deliverable_id": plan["id"], **milestone})
            self._updates(plan)
        self._flush()

    def _group_context(self, slug: str) -> dict:
        members = self.members[slug]
        by_id = {person["institution_id"]: person["institution"] for person in members if person["institution"]}
        institutions = list(by_id.values())
        return {"members": members, "leads": self.leads[slug], "institutions": institutions,
                "acronyms": [inst["acronym"] for inst in institutions],
                "titles": [title for title, _ in data.DELIVERABLES[slug]]}

    def _contributors(self, owner: dict, context: dict) -> list[int]:
        ids = [owner["institution_id"]] if owner["institution_id"] else []
        for institution in self.rng.sample(context["institutions"], self.rng.randint(0, 2)):
            if institution["id"] not in ids:
                ids.append(institution["id"])
        return ids

    def _profile(self, profile: str) -> tuple[str, int, int, int]:
        """Draw (status, due in days, age of the last update in days, progress) for a profile."""
        r = self.rng.randint
        if profile == "done":
            due = r(-120, 20)
            # Finished on or shortly before the due date.
            age = max(1, -due + r(0, 12)) if due < 0 else r(1, 20)
            return "done", due, age, 100
        if profile == "review":
            return "in_review", r(3, 40), r(1, 10), r(80, 95)
        if profile == "review_stale":
            return "in_review", r(10, 60), r(*STALE_AGE_DAYS), r(85, 95)
        if profile == "on_track":
            return "in_progress", r(35, 200), r(1, 12), r(20, 70)
        if profile == "stale":
            return "in_progress", r(20, 120), r(*STALE_AGE_DAYS), r(15, 60)
        if profile == "overdue":
            return "in_progress", r(-45, -2), r(2, 15), r(30, 80)
        if profile == "due_soon":
            return "in_progress", r(1, 7), r(1, 6), r(40, 85)
        if profile == "blocked":
            return "blocked", r(5, 90), r(3, 30), r(10, 60)
        return "not_started", r(40, 240), r(2, 30), 0

    def _deliverable_plan(self, profile: str, plain: bool) -> dict:
        rng = self.rng
        status, due_in, age, progress = self._profile(profile)
        updates = rng.randint(3, 5) if status == "not_started" else rng.randint(3, 10)
        due_date = self.today + timedelta(days=due_in)
        last_at = self._moment(self._days_ago(age))
        first_at = last_at - timedelta(days=rng.randint(15 + 5 * updates, 40 + 15 * updates),
                                       hours=rng.randint(0, 6))
        created_day = min(first_at.astimezone(HOME).date() - timedelta(days=rng.randint(1, 10)),
                          due_date - timedelta(days=rng.randint(30, 120)))
        created_at = self._moment(created_day)
        milestones = []
        if not plain and rng.random() < 0.4:
            milestones = self._milestones(progress, created_day, due_date)
            weights = [m["weight"] or 0 for m in milestones]
            if any(weights):
                progress = round(sum(w * m["progress"] for w, m in zip(weights, milestones)) / sum(weights))
            else:
                progress = round(sum(m["progress"] for m in milestones) / len(milestones))
        return {"status": status, "progress": progress, "updates": updates, "due_date": due_date,
                "start_date": created_day, "created_at": created_at, "first_at": first_at,
                "last_at": last_at, "milestones": milestones}

    def _milestones(self, progress: int, start: date, due: date) -> list[dict]:
        """2-4 ordered milestones whose rolled-up progress matches the deliverable's."""
        rng = self.rng
        count = rng.randint(2, 4)
        titles = [data.MILESTONES[i] for i in sorted(rng.sample(range(len(data.MILESTONES)), count))]
        weighted = rng.random() < 0.7
        weights = [rng.choice((1, 2, 3, 5)) if weighted else None for _ in titles]
        # Fill milestones in order: the earlier ones finish first.
        needed = progress * sum(w or 1 for w in weights)
        span = (due - start).days
        milestones = []
        for position, (title, weight) in enumerate(zip(titles, weights)):
            value = max(0, min(100, round(needed / (weight or 1))))
            needed -= value * (weight or 1)
            milestones.append({
                "title": title, "weight": weight, "progress": value, "position": position,
                "due_date": start + timedelta(days=span * (position + 1) // count),
            })
        return milestones

    def _history(self, status: str, progress: int, count: int) -> list[tuple[str, int, str]]:
        """The (status, progress, kind of note) after each of `count` updates ending at status/progress."""
        rng = self.rng
        if status == "not_started":
            return [("not_started", 0, "plan")] * count
        steps = [("not_started", 0, "plan")] if count >= 5 and rng.random() < 0.3 else []
        if status == "done":
            review = rng.randint(85, 95)
            tail, top = [("in_review", review, "review"), ("done", 100, "done")], review
        elif status == "in_review":
            tail, top = [("in_review", progress, "review")], progress
        elif status == "blocked":
            tail, top = [("blocked", progress, "block")], progress
        else:
            tail, top = [("in_progress", progress, "progress")], progress
        size = count - len(steps) - len(tail)
        values = sorted(rng.randint(min(5, top), top) for _ in range(size))
        if status == "blocked":
            values[-1] = progress  # blocking records no new progress
        middle = [["in_progress", value, "progress"] for value in values]
        middle[0][2] = "start"
        if size >= 4 and rng.random() < 0.2:
            j = rng.randint(1, size - 2)
            middle[j] = ["blocked", middle[j - 1][1], "block"]
            middle[j + 1][2] = "unblock"
        return steps + [tuple(step) for step in middle] + tail

    def _updates(self, plan: dict) -> None:
        rng = self.rng
        table = DeliverableUpdate.__table__
        context, owner = plan["context"], plan["owner"]
        steps = self._history(plan["status"], plan["progress"], plan["updates"])
        first_at, last_at = plan["first_at"], plan["last_at"]
        seconds = (last_at - first_at).total_seconds()
        moments = ([first_at]
                   + [first_at + timedelta(seconds=seconds * f) for f in sorted(rng.random() for _ in steps[2:])]
                   + [last_at])
        status_before, progress_before = "not_started", 0
        for (status, progress, kind), moment in zip(steps, moments):
            r = rng.random()
            author = owner if r < 0.7 else rng.choice(context["leads"]) if r < 0.85 else rng.choice(context["members"])
            note = rng.choice(data.NOTES[kind]).format(
                inst=rng.choice(context["acronyms"]), state=rng.choice(tuple(STATES.values())),
                n=rng.randint(2, 6), m=rng.randint(8, 60))
            self._add(table, {
                "deliverable_id": plan["id"], "author_id": author["id"], "created_at": moment,
                "status_before": status_before, "status_after": status,
                "progress_before": progress_before, "progress_after": progress, "note": note,
            })
            status_before, progress_before = status, progress

    # -- meetings ----------------------------------------------------------------------------

    def _meetings(self) -> None:
        rng = self.rng
        table = Meeting.__table__
        plans = []
        extra = self.scale - 1
        for position, (slug, group) in enumerate(self.groups.items()):
            context = self._group_context(slug)
            held = [rng.randint(2, 5), rng.randint(26, 35), rng.randint(54, 63), rng.randint(82, 95)]
            held += [rng.randint(7, 730) for _ in range(4 * extra)]
            # The newest held meeting has no minutes yet; two groups also left an older one without.
            minutes = ["none", "draft", "none" if position in (1, 4) else "published", "published"]
            minutes += [self._minutes_plan() for _ in range(4 * extra)]
            group_meetings = [("held", self._weekday(-days), kind) for days, kind in zip(held, minutes)]
            cancelled = [rng.choice((-rng.randint(40, 50), rng.randint(10, 20)))]
            cancelled += [rng.choice((-1, 1)) * rng.randint(3, 365 if extra else 60) for _ in range(extra)]
            group_meetings += [("cancelled", self._weekday(days), "none") for days in cancelled]
            upcoming = [rng.randint(3, 9), rng.randint(14, 28)] + [rng.randint(3, 120) for _ in range(2 * extra)]
            group_meetings += [("scheduled", self._weekday(days), "none") for days in upcoming]
            group_meetings.sort(key=lambda meeting: meeting[1])
            for number, (status, day, minutes_kind) in enumerate(group_meetings, start=1):
                plans.append(self._meeting_plan(group, context, number, status, day, minutes_kind))
        self.totals["meetings"] = len(plans)
        self.totals["attendance"] = sum(len(plan["context"]["members"]) for plan in plans)
        for plan in plans:
            self._add(table, plan["row"])
        self._flush()
        # Minutes are written after attendance is drawn (they quote it), so meetings learn their
        # publication time in one bulk UPDATE afterwards.
        self.meeting_changes: list[dict] = []
        for plan in plans:
            self._meeting_children(plan)
        self._flush()
        meetings = Meeting.__table__
        statement = (sa.update(meetings).where(meetings.c.id == sa.bindparam("meeting_id"))
                     .values(minutes_published_at=sa.bindparam("published_at"),
                             updated_at=sa.bindparam("changed_at")))
        for start in range(0, len(self.meeting_changes), BATCH_SIZE):
            db.session.connection().execute(statement, self.meeting_changes[start:start + BATCH_SIZE])

    def _minutes_plan(self) -> str:
        r = self.rng.random()
        return "none" if r < 0.15 else "draft" if r < 0.3 else "published"

    def _weekday(self, days: int) -> date:
        """The day `days` from today, moved off the weekend (earlier in the past, later in the future)."""
        day = self.today + timedelta(days=days)
        while day.weekday() >= 5:
            day += timedelta(days=-1 if days < 0 else 1)
        return day

    def _meeting_plan(self, group: WorkingGroup, context: dict, number: int, status: str, day: date,
                      minutes_kind: str) -> dict:
        rng = self.rng
        hours = (10, 11) if group.slug == "abroad" else (10, 10, 12, 17, 17)
        starts_at = datetime.combine(day, time(rng.choice(hours)), tzinfo=HOME).astimezone(timezone.utc)
        duration = rng.choice((60, 90, 90, 120))
        organiser = rng.choice(context["leads"])
        topic = rng.choice(context["titles"])
        if number % 4 == 0:
            title = f"Taller de trabajo: {topic}"
        elif status == "cancelled":
            title = f"Sesión extraordinaria del grupo {group.name_es}"
        else:
            title = f"{number}.ª sesión ordinaria del grupo {group.name_es}"
        location = self._location(group.slug, context)
        items = [item.format(title=rng.choice(context["titles"])) for item in rng.sample(data.AGENDA_ITEMS, 3)]
        agenda = "**Orden del día**\n\n" + "\n".join(
            f"{i}. {item}" for i, item in enumerate(
                ["Bienvenida y registro de asistencia", *items, "Asuntos generales"], start=1))
        created_at = min(starts_at - timedelta(days=rng.randint(7, 28), hours=rng.randint(0, 8)),
                         self.now - timedelta(hours=rng.randint(2, 72)))
        return {
            "context": context, "status": status, "organiser": organiser, "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=duration), "day": day, "title": title,
            "location": location, "items": items, "minutes": minutes_kind, "created_at": created_at,
            "row": {
                "id": self._new_id(Meeting.__table__), "group_id": group.id, "title": title,
                "starts_at": starts_at, "duration_minutes": duration, "location": location, "agenda": agenda,
                "status": status, "organiser_id": organiser["id"], "ical_uid": f"{uuid.uuid4()}@coalition",
                "ical_sequence": 1 if status == "cancelled" else 0, "minutes_published_at": None,
                "version": 1, "created_at": created_at, "updated_at": created_at,
            },
        }

    def _location(self, slug: str, context: dict) -> str:
        rng = self.rng
        hosts = [inst for inst in context["institutions"] if inst["state"] != ABROAD]
        if rng.random() < 0.55 or slug == "abroad" or not hosts:
            return f"https://meet.example.org/ia2030-{slug}-{rng.randint(1000, 9999)}"
        host = rng.choice(hosts[:6])
        return rng.choice(data.MEETING_PLACES).format(acronym=host["acronym"], city=data.STATE_CAPITALS[host["state"]])

    def _meeting_children(self, plan: dict) -> None:
        rng = self.rng
        row, context = plan["row"], plan["context"]
        held = plan["status"] == "held"
        attended = 0
        for person in context["members"]:
            status, updated_at = "invited", plan["created_at"]
            if held:
                rate = data.ATTENDANCE_RATES.get(person["sector"], 0.6) * person["habit"]
                if rng.random() < min(0.97, rate):
                    status = "attended"
                    attended += 1
                else:
                    status = "excused" if rng.random() < 0.4 else "absent"
                updated_at = plan["ends_at"]
            self._add(Attendance.__table__, {
                "meeting_id": row["id"], "user_id": person["id"], "institution_id": person["institution_id"],
                "status": status, "updated_at": updated_at,
            })
        if not held or plan["minutes"] == "none":
            return
        decisions, actions = self._outcomes(plan)
        body = self._minutes_body(plan, attended, decisions, actions)
        first = min(plan["ends_at"] + timedelta(hours=rng.randint(3, 48)), self.now - timedelta(hours=1))
        revisions = [(first, plan["organiser"], body)]
        if plan["minutes"] == "published" and rng.random() < 0.5:
            editor = rng.choice(context["leads"] + context["members"][:5])
            second = min(first + timedelta(hours=rng.randint(4, 72)), self.now - timedelta(minutes=30))
            note = f"\n\n_Se incorporaron las correcciones de {editor['name']}._"
            revisions.append((second, editor, body + note))
        for created_at, author, text in revisions:
            self._add(MinutesRevision.__table__, {
                "meeting_id": row["id"], "body": text, "author_id": author["id"], "created_at": created_at})
        last_change = revisions[-1][0]
        if plan["minutes"] == "published":
            last_change = min(last_change + timedelta(hours=rng.randint(1, 48)), self.now - timedelta(minutes=10))
            row["minutes_published_at"] = last_change
        done_at = plan["ends_at"] + timedelta(minutes=30)
        for text in decisions:
            self._add(Decision.__table__, {"meeting_id": row["id"], "text": text,
                                           "author_id": plan["organiser"]["id"], "created_at": done_at})
        for text, assignee, due in actions:
            self._add(ActionItem.__table__, {
                "meeting_id": row["id"], "text": text, "assignee_id": assignee["id"], "due_date": due,
                "done": due < self.today and rng.random() < 0.75, "created_at": done_at})
        self.meeting_changes.append({"meeting_id": row["id"], "published_at": row["minutes_published_at"],
                                     "changed_at": last_change})

    def _outcomes(self, plan: dict) -> tuple[list[str], list[tuple[str, dict, date]]]:
        rng = self.rng
        context = plan["context"]

        def fill(template: str) -> str:
            return template.format(title=rng.choice(context["titles"]), inst=rng.choice(context["acronyms"]),
                                   state=rng.choice(tuple(STATES.values())))

        decisions = [fill(t) for t in rng.sample(data.DECISIONS, rng.randint(1, 3))]
        actions = [(fill(t), rng.choice(context["members"]), plan["day"] + timedelta(days=rng.randint(7, 21)))
                   for t in rng.sample(data.ACTION_ITEMS, rng.randint(1, 3))]
        return decisions, actions

    def _minutes_body(self, plan: dict, attended: int, decisions: list[str], actions: list) -> str:
        local = plan["starts_at"].astimezone(HOME)
        place = "en línea" if plan["location"].startswith("https://") else plan["location"]
        lines = [
            f"# Minuta: {plan['title']}",
            "",
            f"**Fecha:** {_date_es(plan['day'])}, {local:%H:%M} h (hora del centro de México)  ",
            f"**Lugar:** {place}  ",
            f"**Asistencia:** {attended} de {len(plan['context']['members'])} personas integrantes",
            "",
            "## Puntos tratados",
            "",
            *(f"{i}. {item}" for i, item in enumerate(plan["items"], start=1)),
            "",
            "## Acuerdos",
            "",
            *(f"- {text}" for text in decisions),
            "",
            "## Pendientes",
            "",
            *(f"- {text} Responsable: {person['name']}; fecha: {_date_es(due)}." for text, person, due in actions),
        ]
        return "\n".join(lines)

    # -- PostgreSQL --------------------------------------------------------------------------

    def _sync_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned here, so later inserts don't collide."""
        if db.session.connection().dialect.name != "postgresql":
            return
        for table in (Institution.__table__, User.__table__, Deliverable.__table__, Meeting.__table__):
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
