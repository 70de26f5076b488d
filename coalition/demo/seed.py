"""Load the demo coalition: fictional but realistic, the same on every run, and fast at any scale.

Scale 1 is the demo: six groups, about 125 institutions, 450 people, 60-84 deliverables with
their update histories, and two years of meetings. A larger `scale` is for benchmarks and grows
the coalition's work and its breadth differently, so that it still looks like one national
coalition rather than a hundred copies of one:

* work grows linearly: each unit of scale above 1 adds DELIVERABLES_PER_SCALE deliverables to
  every group (1,020 in all), each with a history of 7-17 updates (3-5 while not started), about
  11,000 updates in all;
* breadth grows with the square root of the scale: institutions (with their people), group
  memberships and meetings.

So `--scale 100` writes about 101,000 deliverables and 1.1 million updates for 1,250
institutions, 4,400 people and 1,500 group memberships (about 25 s on SQLite, 35 s on PostgreSQL,
on two cores). Every history runs from "not started" to where its deliverable stands, spread over
the last months, so the dashboards' progress over the last 7 and 30 days has something to show.

On the public portal: four deliverables per group are public (one of each OGP completion, two with a
coordinator's override), with bilingual summaries, and most active institutions are listed.

Rows are plain tuples written in batches through the driver's bulk path, in one transaction the
caller commits: executemany on SQLite (with a wide page cache while loading), COPY on PostgreSQL
with psycopg, Core executemany elsewhere. Parents get their ids here (the database is empty, so
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
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.dashboards import tallies
from coalition.dashboards.cache import bump
from coalition.database import coalition_timezone
from coalition.deliverables.models import Deliverable
from coalition.demo import consultation as consultation_demo
from coalition.demo import data
from coalition.demo import policy as policy_demo
from coalition.extensions import db
from coalition.groups.models import GROUPS, WorkingGroup
from coalition.institutions.models import ABROAD, STATES, Institution
from coalition.meetings.models import Meeting

BATCH_SIZE = 10_000
SQLITE_CACHE_KIB = 256 * 1024
# Deliverables each unit of scale above 1 adds to every group, and the length of their histories.
DELIVERABLES_PER_SCALE = 170
LONG_HISTORY = (7, 17)
# Pre-written update notes per group and kind of note: formatting one per update is the seeder's hot loop.
NOTE_VARIANTS = 64
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

# Every table the demo writes, parents before children (each batch is written in this order),
# with the columns of its row tuples.
COLUMNS = {
    "institutions": ("id", "name", "acronym", "sector", "state", "country", "website", "joined_on", "active",
                     "description", "listed", "listed_at", "created_at", "updated_at"),
    "users": ("id", "email", "name", "institution_id", "password_hash", "session_token", "created_at",
              "last_login_at", "last_digest_at", "role", "language", "timezone", "digest_frequency",
              "digest_weekday", "digest_hour", "active"),
    "group_lead_institutions": ("group_id", "institution_id"),
    "group_memberships": ("group_id", "user_id", "role", "since", "created_at"),
    "deliverables": ("id", "group_id", "title", "description", "owner_id", "start_date", "due_date", "status",
                     "progress", "version", "last_update_at", "created_by_id", "created_at", "updated_at",
                     "public", "public_summary_es", "public_summary_en", "published_at", "published_by_id",
                     "completion_override", "completion_note"),
    "deliverable_institutions": ("deliverable_id", "institution_id"),
    "milestones": ("deliverable_id", "title", "weight", "progress", "position", "due_date"),
    "deliverable_updates": ("deliverable_id", "author_id", "created_at", "status_before", "status_after",
                            "progress_before", "progress_after", "note", "kind"),
    "meetings": ("id", "group_id", "title", "starts_at", "duration_minutes", "location", "agenda", "status",
                 "organiser_id", "ical_uid", "ical_sequence", "minutes_published_at", "version", "created_at",
                 "updated_at"),
    "attendance": ("meeting_id", "user_id", "institution_id", "status", "updated_at"),
    "minutes_revisions": ("meeting_id", "body", "author_id", "created_at"),
    "decisions": ("meeting_id", "text", "author_id", "created_at"),
    "action_items": ("meeting_id", "text", "assignee_id", "due_date", "done", "created_at"),
    # The consultations and the agenda (coalition/demo/consultation.py).
    **consultation_demo.COLUMNS,
    # The state liaisons, instruments, uptakes and engagements (coalition/demo/policy.py).
    **policy_demo.COLUMNS,
}
# The tables whose ids are assigned here rather than by the database.
PARENT_TABLES = (Institution.__table__, User.__table__, Deliverable.__table__, Meeting.__table__,
                 *(db.metadata.tables[name] for name in consultation_demo.PARENT_TABLES + policy_demo.PARENT_TABLES))
# Tables whose batches move a progress bar, and the step name the bar shows.
PROGRESS_STEPS = {
    "institutions": "institutions", "users": "people", "group_memberships": "memberships",
    "deliverables": "deliverables", "deliverable_institutions": "contributors", "milestones": "milestones",
    "deliverable_updates": "updates", "meetings": "meetings", "attendance": "attendance",
    **consultation_demo.PROGRESS_STEPS,
}
COUNT_NAMES = {
    "institutions": "institutions", "users": "people", "group_memberships": "memberships",
    "deliverables": "deliverables", "milestones": "milestones", "deliverable_updates": "updates",
    "meetings": "meetings", "minutes_revisions": "minutes_revisions", "attendance": "attendance",
    "decisions": "decisions", "action_items": "action_items",
    **consultation_demo.COUNT_NAMES,
    **policy_demo.COUNT_NAMES,
}


def database_has_data() -> bool:
    """Tell whether anything beyond what migrations create (the six groups) is in the database."""
    for model in (Institution, User, Deliverable, Meeting):
        if db.session.execute(sa.select(model.id).limit(1)).first() is not None:
            return True
    return False


def seed_demo(scale: int = 1, password: str = "coalition-demo", today: date | None = None,
              progress=None) -> dict:
    """Fill an empty database with the demo coalition grown to `scale` (see the module); return row counts.

    `progress(step, done, total)` is called after each batch of the main tables is written.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    from coalition.auth.services import hash_password

    # Hashed once: a memory-hard hash per person would take minutes at large scales.
    password_hash = hash_password(password)
    # Nothing is committed here: one transaction is fastest on SQLite and lets the caller commit all or nothing.
    return _DemoBuilder(scale, password_hash, today, progress).run()


def expected_deliverables(scale: int) -> range:
    """The range the number of deliverables falls in at `scale` (10-14 per group, plus the scale's)."""
    extra = len(GROUPS) * DELIVERABLES_PER_SCALE * (scale - 1)
    return range(len(GROUPS) * 10 + extra, len(GROUPS) * 14 + extra + 1)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _date_es(day: date) -> str:
    return f"{day.day} de {data.MONTHS_ES[day.month - 1]} de {day.year}"


def _sqlite_instant(value: datetime | None) -> str | None:
    """Render an aware datetime as SQLAlchemy stores it in SQLite: naive UTC with microseconds."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    return value.isoformat(" ", "microseconds")[:26]


def _same(value):
    return value


class _Random(random.Random):
    """random.Random with float-based randint and choice: a few times faster, and as deterministic."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Writer:
    """Buffer rows as tuples per table and insert them in batches through the driver's bulk path."""

    def __init__(self, on_flush):
        self.connection = db.session.connection()
        dialect = self.connection.dialect
        if dialect.name == "sqlite":
            self.mode = "executemany"
        elif dialect.name == "postgresql" and dialect.driver == "psycopg":
            self.mode = "copy"
        else:
            self.mode = "core"
        self.on_flush = on_flush
        self.tables = {name: db.metadata.tables[name] for name in COLUMNS}
        self.pending: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.streams: dict[str, object] = {}
        quote = dialect.identifier_preparer.quote
        self.sql = {}
        for name, columns in COLUMNS.items():
            names = ", ".join(quote(column) for column in columns)
            if self.mode == "copy":
                self.sql[name] = f"COPY {quote(name)} ({names}) FROM STDIN"
            elif self.mode == "executemany":
                self.sql[name] = f"INSERT INTO {quote(name)} ({names}) VALUES ({', '.join('?' * len(columns))})"

    def add(self, name: str, row: tuple) -> None:
        rows = self.pending[name]
        rows.append(row)
        if len(rows) >= BATCH_SIZE:
            self.flush()

    @contextmanager
    def streaming(self, name: str):
        """While only `name` is written, keep one COPY open: PostgreSQL inserts while the rows are drawn."""
        if self.mode != "copy":
            yield
            return
        self.flush()
        with self.connection.connection.driver_connection.cursor() as cursor, cursor.copy(self.sql[name]) as copy:
            self.streams[name] = copy
            try:
                yield
                self.flush()
            finally:
                del self.streams[name]

    def flush(self) -> None:
        """Insert every buffered row, parents first, so children never wait on a parent's batch."""
        for name, rows in self.pending.items():
            if not rows:
                continue
            if self.mode == "executemany":
                self.connection.exec_driver_sql(self.sql[name], rows)
            elif self.mode == "copy":
                if name in self.streams:
                    write_row = self.streams[name].write_row
                    for row in rows:
                        write_row(row)
                else:
                    with self.connection.connection.driver_connection.cursor() as cursor:
                        with cursor.copy(self.sql[name]) as copy:
                            for row in rows:
                                copy.write_row(row)
            else:
                columns = COLUMNS[name]
                self.connection.execute(self.tables[name].insert(), [dict(zip(columns, row)) for row in rows])
            self.counts[name] += len(rows)
            rows.clear()
            self.on_flush(name, self.counts[name])


class _DemoBuilder:
    def __init__(self, scale: int, password_hash: str, today: date | None, progress):
        self.scale = scale
        # How much wider than the demo the coalition is: institutions, people, members and meetings.
        self.breadth = math.sqrt(scale)
        self.rng = _Random(41 + scale)
        self.home = coalition_timezone()
        if today is None:
            self.now = datetime.now(timezone.utc)
            self.today = self.now.astimezone(self.home).date()
        else:
            self.today = today
            self.now = datetime.combine(today, time(12), tzinfo=self.home).astimezone(timezone.utc)
        self.password_hash = password_hash
        self.progress = progress
        self.totals: dict[str, int] = {}
        self.next_ids: dict[str, int] = {}

    def run(self) -> dict:
        connection = db.session.connection()
        dialect = connection.dialect.name
        if dialect != "sqlite":
            if dialect == "postgresql":
                # Nobody waits on this one commit's WAL flush; it only applies to this transaction.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return self._load(dialect)
        # SQLite's default 2 MiB page cache thrashes on the updates' indexes; widen it meanwhile.
        cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        try:
            return self._load(dialect)
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")

    def _load(self, dialect: str) -> dict:
        # Raw driver inserts skip SQLAlchemy's type conversion: hand SQLite what SQLAlchemy would store.
        self.at = _sqlite_instant if dialect == "sqlite" else _same
        self.day = date.isoformat if dialect == "sqlite" else _same
        self.writer = _Writer(self._flushed)
        # Ids are handed out here, after whatever the database already holds.
        for table in PARENT_TABLES:
            self.next_ids[table.name] = (db.session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
        self.groups = self._groups()
        # Cached dashboard figures must not outlive the empty database they were computed on.
        bump()
        self._institutions()
        self._people()
        self._memberships()
        self.contexts = {slug: self._group_context(slug) for slug in self.groups}
        histories = self._deliverables()
        with self.writer.streaming("deliverable_updates"):
            self._updates(histories)
        self._meetings()
        self.writer.flush()
        consultation_demo.ConsultationDemo(self, self._deliverables_by_group(), self.public_deliverables).run()
        self.writer.flush()
        policy_demo.PolicyDemo(self).run()
        self.writer.flush()
        self._sync_sequences()
        # The rows above went around the ORM's flush hooks: count the dashboards' tallies once, here.
        tallies.rebuild(self.writer.connection)
        counts = {"groups": len(self.groups)}
        counts.update({name: self.writer.counts[table] for table, name in COUNT_NAMES.items()})
        return counts

    # -- writing -----------------------------------------------------------------------------

    def _new_id(self, table: sa.Table) -> int:
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def _flushed(self, table: str, done: int) -> None:
        step = PROGRESS_STEPS.get(table)
        if step and self.progress is not None:
            self.progress(step, done, max(done, self.totals.get(table, done)))

    # -- time --------------------------------------------------------------------------------

    def _moment(self, day: date, hour: int | None = None) -> datetime:
        """An aware UTC instant during Mexico City working hours on `day`."""
        if hour is None:
            hour = self.rng.randint(9, 18)
        local = datetime(day.year, day.month, day.day, hour, 5 * self.rng.randint(0, 11), tzinfo=self.home)
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
        base = data.INSTITUTIONS
        total = round(len(base) * self.breadth)
        # Whole copies of the demo's institutions, then a sample of them for what is left.
        chosen: list[tuple[int, tuple]] = []
        for copy in itertools.count(1):
            left = total - len(chosen)
            if left <= 0:
                break
            entries = base if left >= len(base) else [base[i] for i in sorted(rng.sample(range(len(base)), left))]
            chosen += [(copy, entry) for entry in entries]
        self.institutions: list[dict] = []
        self.by_acronym: dict[str, dict] = {}
        self.totals["institutions"] = total
        for copy, (name, acronym, sector, state, country) in chosen:
            active = acronym not in data.INACTIVE_INSTITUTIONS
            if copy > 1:  # names and acronyms stay unique at every scale
                name, acronym = f"{name} {copy}", f"{acronym}{copy}"
            joined = self._days_ago(rng.randint(60, 6 * 365))
            place = country if state == ABROAD else STATES[state]
            description = rng.choice(data.SECTOR_DESCRIPTIONS[sector]).format(
                place=place, topic=rng.choice(data.SECTOR_TOPICS[sector]))
            institution = {"id": self._new_id(Institution.__table__), "acronym": acronym, "sector": sector,
                           "state": state, "country": country, "joined": joined, "active": active,
                           "domain": f"{acronym.lower()}.example.org", "people": []}
            self.institutions.append(institution)
            self.by_acronym[acronym] = institution
            created = self.at(self._moment(joined, 10))
            # Most active members agreed to appear on the public portal, on the day they joined.
            listed = active and len(self.institutions) % data.LISTING_EVERY != 0
            listed_at = min(datetime.combine(joined, time(13), tzinfo=self.home), self.now) if listed else None
            self.writer.add("institutions", (
                institution["id"], name, acronym, sector, state, country, f"https://{institution['domain']}/",
                self.day(joined), active, description, listed, self.at(listed_at), created, created))
        self.writer.flush()

    # -- people ------------------------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
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
            self.writer.add("users", (*self._user_row(person, email, name, institution),
                                      role, "es", self.home.key, "weekly", 0, 8, True))
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
                self.writer.add("users", (
                    *self._user_row(person, email, name, institution),
                    "member", self._language(institution), self._timezone(institution),
                    *self._digest_settings(), person["active"]))
        self.writer.flush()

    def _person(self, institution: dict | None, name: str, email: str, joined: date) -> dict:
        person = {"id": self._new_id(User.__table__), "name": name, "email": email, "joined": joined,
                  "institution": institution, "institution_id": institution["id"] if institution else None,
                  "sector": institution["sector"] if institution else None, "active": True,
                  # Some people simply show up more than others.
                  "habit": self.rng.uniform(0.7, 1.2)}
        if institution is not None:
            institution["people"].append(person)
        return person

    def _user_row(self, person: dict, email: str, name: str, institution: dict | None) -> tuple:
        """The columns every user row starts with, up to last_digest_at."""
        created = self._moment(person["joined"])
        last_login = None
        if self.rng.random() < 0.7:
            last_login = max(created, self.now - timedelta(minutes=self.rng.randint(30, 40 * 24 * 60)))
        return (person["id"], email, name, institution["id"] if institution else None, self.password_hash,
                secrets.token_urlsafe(32), self.at(created), self.at(last_login), None)

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
        return self.home.key

    def _digest_settings(self) -> tuple[str, int, int]:
        """(digest_frequency, digest_weekday, digest_hour) for one person."""
        rng = self.rng
        r = rng.random()
        frequency = "weekly" if r < 0.8 else "daily" if r < 0.92 else "off"
        return (frequency, 0 if rng.random() < 0.8 else rng.randint(0, 4),
                8 if rng.random() < 0.7 else rng.choice((7, 9, 18)))

    # -- memberships -------------------------------------------------------------------------

    def _memberships(self) -> None:
        rng = self.rng
        pool = [p for p in self.people if p["active"] and p["institution"]["active"]]
        self.members: dict[str, list[dict]] = {}
        self.leads: dict[str, list[dict]] = {}
        # Memberships grow with the coalition's breadth, not its work: attendance is members x meetings.
        size = self.breadth
        for slug, group in self.groups.items():
            plan = data.GROUP_PLANS[slug]
            lead_institutions = [self.by_acronym[acronym] for acronym in plan["leads"]]
            for institution in lead_institutions:
                self.writer.add("group_lead_institutions", (group.id, institution["id"]))
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
                self.writer.add("group_memberships", (
                    group.id, person["id"], "lead" if person["id"] in lead_ids else "member",
                    self.day(since), self.at(self._moment(since))))
        self.writer.flush()

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

    def _deliverables(self) -> list[tuple]:
        """Write the deliverables, their institutions and milestones; return what their histories need."""
        rng = self.rng
        cum_weights = list(itertools.accumulate(PROFILE_WEIGHTS.values()))
        profiles = list(PROFILE_WEIGHTS)
        demo_counts = {slug: rng.randint(10, 14) for slug in self.groups}
        extra = DELIVERABLES_PER_SCALE * (self.scale - 1)
        self.totals["deliverables"] = sum(demo_counts.values()) + extra * len(self.groups)
        histories, children = [], []
        add = self.writer.add
        coordinator = self.fixed["coordinator@example.org"]["id"]
        # The public deliverables per group id, for the agenda's recommendations to link to.
        self.public_deliverables: dict[int, list[int]] = {}
        # One table at a time, so PostgreSQL can take each through a single COPY.
        with self.writer.streaming("deliverables"):
            for slug, group in self.groups.items():
                members, leads = self.members[slug], self.leads[slug]
                context = self.contexts[slug]
                titles = list(data.DELIVERABLES[slug])
                rng.shuffle(titles)
                # The titles with a public summary take the positions published on the portal.
                public = [t for t in titles if t[0] in data.PUBLIC_SUMMARIES_EN]
                titles = [t for t in titles if t[0] not in data.PUBLIC_SUMMARIES_EN]
                for position, entry in zip(data.PUBLIC_POSITIONS, public):
                    titles.insert(position, entry)
                demo = demo_counts[slug]
                for i in range(demo + extra):
                    if i < len(GUARANTEED_PROFILES):
                        profile = GUARANTEED_PROFILES[i]
                    else:
                        profile = rng.choices(profiles, cum_weights=cum_weights)[0]
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
                    # Beyond the demo's own, deliverables have run longer and been updated more often.
                    is_public = i < demo and i in data.PUBLIC_POSITIONS
                    plan = self._deliverable_plan(profile, plain, long=i >= demo,
                                                  milestones=is_public and i in data.PUBLIC_WITH_MILESTONES)
                    deliverable_id = self._new_id(Deliverable.__table__)
                    status, progress, updates = plan["status"], plan["progress"], plan["updates"]
                    last_at = self.at(plan["last_at"])
                    if is_public:
                        override, note = data.COMPLETION_OVERRIDES.get((slug, i), (None, ""))
                        published = (True, description, data.PUBLIC_SUMMARIES_EN[title], self.at(plan["first_at"]),
                                     coordinator, override, note)
                        self.public_deliverables.setdefault(group.id, []).append(deliverable_id)
                    else:
                        published = (False, "", "", None, None, None, "")
                    add("deliverables", (
                        deliverable_id, group.id, title, description, owner["id"], self.day(plan["start_date"]),
                        self.day(plan["due_date"]), status, progress, updates + 1, last_at,
                        rng.choice(leads)["id"], self.at(plan["created_at"]), last_at, *published))
                    children.append((deliverable_id, self._contributors(owner, context), plan["milestones"]))
                    histories.append((deliverable_id, status, progress, updates, plan["first_at"], plan["last_at"],
                                      owner["id"], context))
        self.totals["deliverable_institutions"] = sum(len(ids) for _, ids, _ in children)
        with self.writer.streaming("deliverable_institutions"):
            for deliverable_id, institution_ids, _ in children:
                for institution_id in institution_ids:
                    add("deliverable_institutions", (deliverable_id, institution_id))
        self.totals["milestones"] = sum(len(milestones) for _, _, milestones in children)
        with self.writer.streaming("milestones"):
            for deliverable_id, _, milestones in children:
                for title, weight, value, position, due in milestones:
                    add("milestones", (deliverable_id, title, weight, value, position, self.day(due)))
        return histories

    def _group_context(self, slug: str) -> dict:
        rng = self.rng
        members = self.members[slug]
        by_id = {person["institution_id"]: person["institution"] for person in members if person["institution"]}
        institutions = list(by_id.values())
        acronyms = [inst["acronym"] for inst in institutions]
        states = tuple(STATES.values())
        notes = {kind: [rng.choice(templates).format(inst=rng.choice(acronyms), state=rng.choice(states),
                                                      n=rng.randint(2, 6), m=rng.randint(8, 60))
                        for _ in range(NOTE_VARIANTS)]
                 for kind, templates in data.NOTES.items()}
        return {"members": members, "leads": self.leads[slug], "institutions": institutions,
                "acronyms": acronyms, "titles": [title for title, _ in data.DELIVERABLES[slug]],
                "member_ids": [p["id"] for p in members], "lead_ids": [p["id"] for p in self.leads[slug]],
                "notes": notes}

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

    def _deliverable_plan(self, profile: str, plain: bool, long: bool, milestones: bool = False) -> dict:
        rng = self.rng
        status, due_in, age, progress = self._profile(profile)
        if status == "not_started":
            updates = rng.randint(3, 5)
        else:
            updates = rng.randint(*LONG_HISTORY) if long else rng.randint(3, 10)
        due_date = self.today + timedelta(days=due_in)
        last_at = self._moment(self._days_ago(age))
        first_at = last_at - timedelta(days=rng.randint(15 + 5 * updates, 40 + 15 * updates),
                                       hours=rng.randint(0, 6))
        created_day = min(first_at.astimezone(self.home).date() - timedelta(days=rng.randint(1, 10)),
                          due_date - timedelta(days=rng.randint(30, 120)))
        created_at = self._moment(created_day)
        milestones = []
        if not plain and (rng.random() < 0.4 or milestones):
            milestones = self._milestones(progress, created_day, due_date)
            weights = [weight or 0 for _, weight, _, _, _ in milestones]
            if any(weights):
                progress = round(sum(w * m[2] for w, m in zip(weights, milestones)) / sum(weights))
            else:
                progress = round(sum(m[2] for m in milestones) / len(milestones))
        return {"status": status, "progress": progress, "updates": updates, "due_date": due_date,
                "start_date": created_day, "created_at": created_at, "first_at": first_at,
                "last_at": last_at, "milestones": milestones}

    def _milestones(self, progress: int, start: date, due: date) -> list[tuple]:
        """2-4 ordered (title, weight, progress, position, due date) whose roll-up matches the deliverable's."""
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
            milestones.append((title, weight, value, position, start + timedelta(days=span * (position + 1) // count)))
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
        low = min(5, top)
        random, span = rng.random, top - low + 1
        values = sorted([low + int(random() * span) for _ in range(size)])
        if status == "blocked":
            values[-1] = progress  # blocking records no new progress
        middle = [["in_progress", value, "progress"] for value in values]
        middle[0][2] = "start"
        if size >= 4 and rng.random() < 0.2:
            j = rng.randint(1, size - 2)
            middle[j] = ["blocked", middle[j - 1][1], "block"]
            middle[j + 1][2] = "unblock"
        return steps + [tuple(step) for step in middle] + tail

    def _updates(self, histories: list[tuple]) -> None:
        """Write each deliverable's history: a chain of updates from not started to where it stands."""
        rng = self.rng
        random, choice = rng.random, rng.choice
        at = self.at
        # SQLite wants text: rendering naive UTC instants is twice as fast as aware ones.
        naive = at is _sqlite_instant
        render = (lambda moment: moment.isoformat(" ", "microseconds")) if naive else _same
        rows = self.writer.pending["deliverable_updates"]
        self.totals["deliverable_updates"] = sum(history[3] for history in histories)
        for deliverable_id, status, progress, count, first_at, last_at, owner_id, context in histories:
            steps = self._history(status, progress, count)
            # The first and last updates are pinned; the others fall at random in between.
            start = first_at.astimezone(timezone.utc).replace(tzinfo=None) if naive else first_at
            span = (last_at - first_at).total_seconds()
            offsets = sorted([random() for _ in steps[2:]])
            moments = [at(first_at), *(render(start + timedelta(seconds=span * f)) for f in offsets), at(last_at)]
            leads, members, notes = context["lead_ids"], context["member_ids"], context["notes"]
            status_before, progress_before = "not_started", 0
            for (status_after, progress_after, kind), moment in zip(steps, moments):
                r = random()
                author = owner_id if r < 0.7 else choice(leads) if r < 0.85 else choice(members)
                rows.append((deliverable_id, author, moment, status_before, status_after, progress_before,
                             progress_after, notes[kind][int(random() * NOTE_VARIANTS)], "update"))
                status_before, progress_before = status_after, progress_after
            if len(rows) >= BATCH_SIZE:
                self.writer.flush()
        self.writer.flush()

    # -- meetings ----------------------------------------------------------------------------

    def _meetings(self) -> None:
        rng = self.rng
        plans = []
        # Meetings grow with the coalition's breadth: a wider group meets more often, not a hundred times more.
        extra = round(self.breadth - 1)
        for position, (slug, group) in enumerate(self.groups.items()):
            context = self.contexts[slug]
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
            self.writer.add("meetings", tuple(plan["row"][column] for column in COLUMNS["meetings"]))
        self.writer.flush()
        # Minutes are written after attendance is drawn (they quote it), so meetings learn their
        # publication time in one bulk UPDATE afterwards.
        self.meeting_changes: list[dict] = []
        for plan in plans:
            self._meeting_children(plan)
        self.writer.flush()
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
        starts_at = datetime.combine(day, time(rng.choice(hours)), tzinfo=self.home).astimezone(timezone.utc)
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
                "starts_at": self.at(starts_at), "duration_minutes": duration, "location": location, "agenda": agenda,
                "status": status, "organiser_id": organiser["id"], "ical_uid": f"{uuid.uuid4()}@coalition",
                "ical_sequence": 1 if status == "cancelled" else 0, "minutes_published_at": None,
                "version": 1, "created_at": self.at(created_at), "updated_at": self.at(created_at),
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
        ended = self.at(plan["ends_at"])
        attended = 0
        for person in context["members"]:
            status, updated_at = "invited", plan["row"]["created_at"]
            if held:
                rate = data.ATTENDANCE_RATES.get(person["sector"], 0.6) * person["habit"]
                if rng.random() < min(0.97, rate):
                    status = "attended"
                    attended += 1
                else:
                    status = "excused" if rng.random() < 0.4 else "absent"
                updated_at = ended
            self.writer.add("attendance", (row["id"], person["id"], person["institution_id"], status, updated_at))
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
            self.writer.add("minutes_revisions", (row["id"], text, author["id"], self.at(created_at)))
        last_change = revisions[-1][0]
        if plan["minutes"] == "published":
            last_change = min(last_change + timedelta(hours=rng.randint(1, 48)), self.now - timedelta(minutes=10))
            row["minutes_published_at"] = last_change
        done_at = self.at(plan["ends_at"] + timedelta(minutes=30))
        for text in decisions:
            self.writer.add("decisions", (row["id"], text, plan["organiser"]["id"], done_at))
        for text, assignee, due in actions:
            self.writer.add("action_items", (row["id"], text, assignee["id"], self.day(due),
                                             due < self.today and rng.random() < 0.75, done_at))
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
        local = plan["starts_at"].astimezone(self.home)
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

    def _deliverables_by_group(self) -> dict[int, list[int]]:
        """The demo's own deliverables per group (the first ones written), for the agenda to link to."""
        found: dict[int, list[int]] = {}
        for deliverable_id, group_id in db.session.execute(
                sa.select(Deliverable.id, Deliverable.group_id).order_by(Deliverable.id)):
            if len(found.setdefault(group_id, [])) < 5:
                found[group_id].append(deliverable_id)
        return found

    # -- PostgreSQL --------------------------------------------------------------------------

    def _sync_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned here, so later inserts don't collide."""
        if db.session.connection().dialect.name != "postgresql":
            return
        for table in PARENT_TABLES:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
