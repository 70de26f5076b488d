"""The demo's states and policy uptake, written through the seeder's bulk writer (SPEC "States and policy
uptake", Demo).

* `liaison@example.org` (Laura Enlace, of a Jalisco institution) is the liaison of Jalisco; two other
  states have a liaison taken from their institutions' people.
* 17 instruments of every kind over federal, state, municipal and international jurisdictions and three
  administrations (policy_data.INSTRUMENTS): the Jalisco state AI strategy (proposed, approved, in force,
  published, taking up three published recommendations), a federal Senate bill in committee, the 2018
  national strategy abandoned after the change of administration, guidelines, programmes, budget lines,
  bills that stalled or lapsed, the OECD AI Principles and UNESCO's Recommendation.
* 14 engagements in 7 states, one federal hearing and one submission, one abroad and one international
  meeting, represented by member institutions of the place; most positions approved, some upcoming.
* A few follows by the demo accounts (member@example.org follows Jalisco and its strategy).

Each unit of scale above 1 adds len(STATE_TEMPLATES) state or municipal instruments and
len(ENGAGEMENT_TEMPLATES) engagements, spread over the 32 states in turn, so `--scale 100` gives every
state about 25 instruments and 15 engagements.

Stages are dated in the past, in order; each stage, uptake and engagement has its PolicyEvent, as the
services would record. Like the rest of the seed, nothing is queued in the outbox: followers hear of what
happens after the seed, not of the demo's history. Uptakes are only of published recommendations by
instruments still in discussion or whose last stage came after the recommendation's publication.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.demo import consultation_data
from coalition.demo import data as coalition_data
from coalition.demo import policy_data as data
from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES
from coalition.policy.administrations import in_office
from coalition.policy.models import STAGE_ORDER
from coalition.recommendations.models import Recommendation

# Every table written here, parents before children, with the columns of its row tuples.
COLUMNS = {
    "policy_instruments": ("id", "kind", "jurisdiction", "state", "place", "branch", "title_es", "title_en",
                           "summary_es", "summary_en", "source_url", "stage", "stage_on", "administration",
                           "published", "published_at", "created_by_id", "version", "created_at", "updated_at"),
    "policy_instrument_stages": ("id", "instrument_id", "stage", "on_date", "note", "recorded_by_id", "recorded_at"),
    "policy_uptakes": ("id", "instrument_id", "recommendation_id", "degree", "evidence_url", "quote",
                       "verified_by_id", "verified_at"),
    "policy_engagements": ("id", "kind", "title", "held_on", "jurisdiction", "state", "place", "body",
                           "instrument_id", "position", "position_approved_at", "position_approved_by_id",
                           "published", "created_by_id", "version", "created_at", "updated_at"),
    "policy_engagement_institutions": ("engagement_id", "institution_id"),
    "policy_follow_ups": ("engagement_id", "text", "due_on", "done_at", "created_by_id", "created_at"),
    "policy_follows": ("user_id", "instrument_id", "state", "created_at"),
    "policy_events": ("kind", "instrument_id", "engagement_id", "stage_id", "uptake_id", "state", "actor_id",
                      "occurred_at"),
    "state_liaisons": ("state", "user_id", "appointed_by_id", "appointed_at"),
}
# Ids assigned here: events point at stages, uptakes and engagements.
PARENT_TABLES = ("policy_instruments", "policy_instrument_stages", "policy_uptakes", "policy_engagements")
COUNT_NAMES = {"policy_instruments": "instruments", "policy_uptakes": "uptakes",
               "policy_engagements": "engagements"}

STATE_CODES = tuple(sorted(STATES))
# Representatives of an engagement: drawn from the first institutions of its state (a wide state at a large
# scale has many copies of the same ones).
REPRESENTATIVE_POOL = 12
DEGREE_WEIGHTS = {"cited": 3, "partial": 2, "adopted": 1}


class PolicyDemo:
    """Writes liaisons, instruments, uptakes, engagements and follows with the seeder's generator, clock,
    ids and writer."""

    def __init__(self, builder):
        self.b = builder
        self.rng = builder.rng
        self.add = builder.writer.add
        self.at = builder.at
        self.day = builder.day
        self.now = builder.now
        self.today = builder.today
        self.founded = builder.today - timedelta(days=2 * 365)
        self.coordinator = builder.fixed["coordinator@example.org"]["id"]
        self.instruments: dict[str, dict] = {}
        # The latest 1 January on or before today: budget cycles are counted from it.
        self.new_year = date(self.today.year, 1, 1)

    def _id(self, table: str) -> int:
        return self.b._new_id(db.metadata.tables[table])

    def run(self) -> None:
        self.recommendations = self._published_recommendations()
        self.by_state = self._institutions_by_state()
        self.liaisons = self._liaisons()
        for spec in data.INSTRUMENTS:
            self.instruments[spec["key"]] = self._instrument(spec)
        for spec in data.ENGAGEMENTS:
            self._engagement(spec)
        for unit in range(1, self.b.scale):
            self._scaled(unit)
        self._follows()

    # -- reading what the seeder wrote ----------------------------------------------------------

    def _published_recommendations(self) -> dict[int, dict]:
        """The published adopted recommendations by their position in consultation_data.ADOPTED."""
        rows = db.session.execute(
            sa.select(Recommendation.id, Recommendation.title_es, Recommendation.text_es, Recommendation.published_at)
            .where(Recommendation.published.is_(True), Recommendation.state == "adopted")).all()
        by_title = {title: (rid, text, published_at) for rid, title, text, published_at in rows}
        found = {}
        for position, spec in enumerate(consultation_data.ADOPTED):
            if spec[3] in by_title:
                rid, text, published_at = by_title[spec[3]]
                found[position] = {"id": rid, "text": text,
                                   "published_on": published_at.astimezone(self.b.home).date()}
        return found

    def _institutions_by_state(self) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for institution in self.b.institutions:
            if institution["active"]:
                found.setdefault(institution["state"], []).append(institution)
        return found

    # -- dates and moments ------------------------------------------------------------------------

    def _date(self, spec) -> date:
        if isinstance(spec, int):
            return self.today + timedelta(days=spec)
        if isinstance(spec, str):
            return date.fromisoformat(spec)
        month, day, year_offset = spec
        return date(self.new_year.year + year_offset, month, day)

    def _moment(self, day: date) -> datetime:
        """An instant during working hours on `day`, never after the seed's now."""
        return self.b._moment(day)

    # -- people -----------------------------------------------------------------------------------

    def _liaisons(self) -> dict[str, int]:
        """Create the liaison demo account and name the liaisons; return their ids by state."""
        email, name, state, acronym = data.LIAISON
        institution = self.b.by_acronym[acronym]
        person = self.b._person(institution, name, email, self.founded)
        created = self._moment(self.founded + timedelta(days=30))
        last_login = self.now - timedelta(hours=self.rng.randint(2, 72))
        row = {"id": person["id"], "email": email, "name": name, "institution_id": institution["id"],
               "password_hash": self.b.password_hash, "session_token": secrets.token_urlsafe(32), "created_at": created,
               "last_login_at": last_login, "last_digest_at": None, "role": "member", "language": "es",
               "timezone": self.b.home.key, "digest_frequency": "weekly", "digest_weekday": 0, "digest_hour": 8,
               "active": True}
        # Through Core rather than the writer: the people's progress bar has already finished.
        db.session.connection().execute(User.__table__.insert(), [row])
        self.b.writer.counts["users"] += 1
        self.b.fixed[email] = person
        liaisons = {state: person["id"]}
        for other_state, other_acronym in data.OTHER_LIAISONS:
            people = [p for p in self.b.by_acronym[other_acronym]["people"] if p["active"]]
            if people:
                liaisons[other_state] = people[0]["id"]
        for chapter, user_id in liaisons.items():
            appointed = self._moment(self.founded + timedelta(days=self.rng.randint(35, 120)))
            self.add("state_liaisons", (chapter, user_id, self.coordinator, self.at(appointed)))
        return liaisons

    def _recorder(self, who: str, state: str | None) -> int:
        """The coordinator, or the state's liaison when asked for and there is one."""
        if who == "liaison" and state in self.liaisons:
            return self.liaisons[state]
        return self.coordinator

    # -- instruments ------------------------------------------------------------------------------

    def _instrument(self, spec: dict) -> dict:
        jurisdiction = spec["jurisdiction"]
        state = jurisdiction if jurisdiction in STATES else spec.get("state")
        stages = [(stage, self._date(when), note) for stage, when, note in spec["stages"]]
        year = stages[-1][1].year
        return self._write_instrument(
            kind=spec["kind"], jurisdiction=jurisdiction, state=state, place=spec.get("place", ""),
            branch=spec["branch"], title_es=spec["title_es"].format(year=year),
            title_en=spec["title_en"].format(year=year), summary_es=spec["summary_es"],
            summary_en=spec["summary_en"], source_url=spec["source_url"], stages=stages,
            created_by=self._recorder(spec["recorder"], state),
            stage_recorder=self._recorder(spec.get("stage_recorder", spec["recorder"]), state),
            published=spec["published"],
            uptakes=[(self.recommendations[position], degree, url, quote)
                     for position, degree, url, quote in spec["uptakes"] if position in self.recommendations])

    def _write_instrument(self, *, kind, jurisdiction, state, place, branch, title_es, title_en, summary_es,
                          summary_en, source_url, stages, created_by, stage_recorder, published, uptakes) -> dict:
        rng = self.rng
        # A stage is never dated after today, and each follows the last (a guard for an early `today`).
        stages = [stage for stage in stages if stage[1] <= self.today]
        stages.sort(key=lambda stage: stage[1])
        instrument_id = self._id("policy_instruments")
        # History before the coalition existed was recorded in its first months.
        record_from = self.founded + timedelta(days=rng.randint(20, 90))
        first_day = stages[0][1] if stages else self.today
        created = self._moment(max(first_day, record_from))
        moments = []
        for stage, on, note in stages:
            recorded = max(created, self._moment(max(on, record_from) + timedelta(days=rng.randint(0, 2))))
            moments.append(recorded)
        last = moments[-1] if moments else created
        published_at = max(last, self._moment(created.date() + timedelta(days=rng.randint(1, 10)))) \
            if published else None
        stage, stage_on = (stages[-1][0], stages[-1][1]) if stages else (None, None)
        office = in_office(stages[0][1]) if stages else None
        changed = max(filter(None, (last, published_at)))
        self.add("policy_instruments", (
            instrument_id, kind, jurisdiction, state, place, branch, title_es, title_en, summary_es, summary_en,
            source_url, stage, self.day(stage_on) if stage_on else None, office.key if office else None, published,
            self.at(published_at), created_by, 1 + len(stages) + (1 if published else 0), self.at(created),
            self.at(changed)))
        for (name, on, note), recorded in zip(stages, moments):
            stage_id = self._id("policy_instrument_stages")
            self.add("policy_instrument_stages", (stage_id, instrument_id, name, self.day(on), note, stage_recorder,
                                                  self.at(recorded)))
            self._event("stage", instrument_id=instrument_id, stage_id=stage_id, state=state, actor=stage_recorder,
                         at=recorded)
        for recommendation, degree, url, quote in uptakes:
            uptake_id = self._id("policy_uptakes")
            verified = max(last, self._moment(max(stage_on or self.today, recommendation["published_on"])
                                              + timedelta(days=rng.randint(1, 6))))
            self.add("policy_uptakes", (uptake_id, instrument_id, recommendation["id"], degree, url, quote,
                                        self.coordinator, self.at(verified)))
            self._event("uptake", instrument_id=instrument_id, uptake_id=uptake_id, state=state,
                        actor=self.coordinator, at=verified)
        return {"id": instrument_id, "state": state, "stage": stage, "stage_on": stage_on, "created": created}

    # -- engagements ------------------------------------------------------------------------------

    def _engagement(self, spec: dict) -> None:
        jurisdiction = spec["jurisdiction"]
        state = jurisdiction if jurisdiction in STATES or jurisdiction == ABROAD else spec.get("state")
        instrument = self.instruments.get(spec["instrument"]) if spec["instrument"] else None
        institutions = [self.b.by_acronym[acronym]["id"] for acronym in spec["institutions"]
                        if self.b.by_acronym[acronym]["active"]]
        self._write_engagement(
            kind=spec["kind"], title=spec["title"], held_on=self._date(spec["held"]), jurisdiction=jurisdiction,
            state=state, place=spec["place"], body=spec["body"],
            instrument_id=instrument["id"] if instrument else None, position=spec["position"],
            approved=spec["approved"], published=spec["published"], institutions=institutions,
            recorder=self._recorder(spec["recorder"], state),
            follow_ups=[(text, after, done) for text, after, done in spec["follow_ups"]])

    def _write_engagement(self, *, kind, title, held_on, jurisdiction, state, place, body, instrument_id, position,
                          approved, published, institutions, recorder, follow_ups) -> None:
        rng = self.rng
        engagement_id = self._id("policy_engagements")
        upcoming = held_on > self.today
        # Recorded while it was being prepared, once the coalition existed.
        created = self._moment(max(self.founded + timedelta(days=30),
                                   min(held_on, self.today) - timedelta(days=rng.randint(3, 21))))
        approved_at = None
        if approved and position:
            approved_at = max(created, self._moment(min(held_on - timedelta(days=rng.randint(1, 5)), self.today)))
        changed = max(filter(None, (created, approved_at)))
        self.add("policy_engagements", (
            engagement_id, kind, title, self.day(held_on), jurisdiction, state, place, body, instrument_id, position,
            self.at(approved_at), self.coordinator if approved_at else None, published, recorder,
            1 + (1 if approved_at else 0) + (1 if published else 0), self.at(created), self.at(changed)))
        for institution_id in dict.fromkeys(institutions):
            self.add("policy_engagement_institutions", (engagement_id, institution_id))
        for text, after, done in follow_ups:
            due = held_on + timedelta(days=after)
            # Agreed the day after it was held, or planned while preparing an upcoming one.
            written = created if upcoming else max(created, self._moment(min(held_on + timedelta(days=1), self.today)))
            done_at = None
            if done and not upcoming:
                done_at = max(written, self._moment(min(due, self.today)))
            self.add("policy_follow_ups", (engagement_id, text, self.day(due), self.at(done_at), recorder,
                                           self.at(written)))
        self._event("engagement", instrument_id=instrument_id, engagement_id=engagement_id, state=state, actor=recorder,
                    at=created)

    def _event(self, kind: str, *, state, actor, at, instrument_id=None, engagement_id=None, stage_id=None,
               uptake_id=None) -> None:
        self.add("policy_events", (kind, instrument_id, engagement_id, stage_id, uptake_id, state, actor,
                                   self.at(at)))

    # -- what each unit of scale adds -------------------------------------------------------------

    def _scaled(self, unit: int) -> None:
        """One unit of scale: a state instrument per template and an engagement per template, in the
        states' turn."""
        rng = self.rng
        made: dict[str, int] = {}
        count = len(data.STATE_TEMPLATES)
        for n, template in enumerate(data.STATE_TEMPLATES):
            code = STATE_CODES[(unit * count + n) % len(STATE_CODES)]
            made[code] = self._scaled_instrument(code, template)["id"]
        count = len(data.ENGAGEMENT_TEMPLATES)
        for n, (kind, title, body, position) in enumerate(data.ENGAGEMENT_TEMPLATES):
            # Another turn than the instruments', so a state's engagements are not all about its own instruments.
            code = STATE_CODES[(unit * count + 3 * n + 11) % len(STATE_CODES)]
            name = STATES[code]
            past = rng.random() < 0.85
            held_on = self.today - timedelta(days=rng.randint(1, 3 * 365)) if past else \
                self.today + timedelta(days=rng.randint(1, 120))
            pool = self.by_state.get(code) or self.by_state["CMX"]  # a state with no member: national ones
            pool = pool[:REPRESENTATIVE_POOL]
            representatives = [i["id"] for i in rng.sample(pool, min(len(pool), rng.randint(1, 4)))]
            follow_ups = []
            if past:
                for text in rng.sample(data.FOLLOW_UP_TEXTS, rng.randint(0, 2)):
                    follow_ups.append((text, rng.randint(7, 60), rng.random() < 0.7))
            self._write_engagement(
                kind=kind, title=title.format(state=name, of_state=_of(name)), held_on=held_on, jurisdiction=code,
                state=code, place=coalition_data.STATE_CAPITALS.get(code, name),
                body=body.format(state=name, of_state=_of(name)),
                instrument_id=made.get(code), position=position,
                approved=bool(position) and rng.random() < (0.7 if past else 0.3), published=rng.random() < 0.5,
                institutions=representatives, recorder=self._recorder("liaison", code), follow_ups=follow_ups)

    def _scaled_instrument(self, code: str, template: tuple) -> dict:
        rng = self.rng
        kind, branch, municipal, title_es, title_en, summary_es, summary_en = template
        name = STATES[code]
        # Mexico City's boroughs are not municipalities: its programme is the city's own.
        municipal = municipal and code != "CMX"
        place = coalition_data.STATE_CAPITALS.get(code, name).split(",")[0] if municipal else ""
        path = rng.choice(data.PATHS.get(kind, data.EXECUTIVE_PATHS))
        on = self.today - timedelta(days=rng.randint(20, 6 * 365))
        stages = []
        for stage in path:
            if stages:
                on += timedelta(days=rng.randint(10, 240))
            if on > self.today:
                break
            note = rng.choice(data.STAGE_NOTES[stage])
            stages.append((stage, on, note))
        # A budget is presented in the year before the one it funds.
        year = stages[0][1].year + (1 if kind == "budget" else 0)
        fill = {"state": name, "of_state": _of(name), "place": place or name, "year": year}
        last_stage, last_on = stages[-1][0], stages[-1][1]
        # An open instrument can still take up a recommendation; a closed one only one published before its end.
        still_open = STAGE_ORDER[last_stage] <= STAGE_ORDER["in_committee"]
        eligible = [r for r in self.recommendations.values() if still_open or r["published_on"] <= last_on]
        eligible = [] if last_stage in ("abandoned", "repealed") else eligible
        chosen = rng.sample(eligible, min(len(eligible), rng.choice((0, 1, 1, 2, 3))))
        source_url = f"https://{data.STATE_DOMAINS[code]}/transparencia/ia/{kind}-{year}-{rng.randint(100, 999)}"
        degrees, weights = list(DEGREE_WEIGHTS), list(DEGREE_WEIGHTS.values())
        uptakes = [(r, rng.choices(degrees, weights)[0], f"{source_url}#art-{rng.randint(2, 40)}",
                    r["text"].split(". ")[0].rstrip(".") + ".") for r in chosen]
        return self._write_instrument(
            kind=kind, jurisdiction="municipal" if municipal else code, state=code, place=place, branch=branch,
            title_es=title_es.format(**fill), title_en=title_en.format(**fill), summary_es=summary_es.format(**fill),
            summary_en=summary_en.format(**fill), source_url=source_url, stages=stages,
            created_by=self._recorder("liaison", code), stage_recorder=self._recorder("liaison", code),
            published=rng.random() < 0.6, uptakes=uptakes)

    # -- follows ------------------------------------------------------------------------------------

    def _follows(self) -> None:
        for email, key, state in data.FOLLOWS:
            person = self.b.fixed[email]
            instrument = self.instruments[key] if key else None
            followed = self._moment(self.today - timedelta(days=self.rng.randint(5, 60)))
            if instrument is not None:
                followed = max(followed, instrument["created"])
            instrument_id = instrument["id"] if instrument else None
            self.add("policy_follows", (person["id"], instrument_id, state, self.at(followed)))


def _of(name: str) -> str:
    """Spanish "of" before a state's name: "de Jalisco", "del Estado de México", "de la Ciudad de México"."""
    if name.startswith("Estado de "):
        return f"del {name}"
    if name.startswith("Ciudad de "):
        return f"de la {name}"
    return f"de {name}"
