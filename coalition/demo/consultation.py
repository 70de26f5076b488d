"""The demo's national consultation and agenda, written through the seeder's bulk writer.

* `consulta-nacional-ia`: closed (it ran months ago), four questions (free text, one choice, several
  choices), max(1,600, 1,000 × scale) contributions from every profile sector and every state over
  online, workshops and state forums, a few hidden as spam, 13 bilingual themes and most contributions
  coded under them by the groups' leads.
* 37 recommendations over the five areas, three horizons and six groups: adopted ones (most of them
  published, with answers, standing on themes and on contributions cited directly), one merged into
  another, one rejected with its answer, one split, drafts, and a few carried out by demo deliverables;
  every public deliverable carries out a published recommendation of its group. The national
  consultation's results are published on the portal.
* `principios-ia`: open now (it opened a week ago and closes in 60 days), one choice question and one
  free-text question, and comments on the six draft principles in consultation.

Everything is drawn from the seeder's seeded random generator, so the demo is the same on every run.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from datetime import datetime, timedelta

from coalition.consultations.receipts import code_hash
from coalition.demo import consultation_data as data
from coalition.demo import data as coalition_data
from coalition.extensions import db
from coalition.recommendations.models import SOURCES_MAX

# Every table written here, parents before children, with the columns of its row tuples (the
# seeder's writer inserts them in this order after its own tables).
COLUMNS = {
    "consultations": ("id", "slug", "title_es", "title_en", "description_es", "description_en", "kind", "opens_at",
                      "closes_at", "phase", "created_by_id", "version", "created_at", "updated_at",
                      "results_published", "results_published_at", "results_published_by_id"),
    "consultation_groups": ("consultation_id", "group_id"),
    "questions": ("id", "consultation_id", "position", "kind", "prompt_es", "prompt_en", "required"),
    "question_choices": ("id", "question_id", "position", "label_es", "label_en"),
    "themes": ("id", "consultation_id", "name_es", "name_en", "description_es", "description_en", "created_by_id",
               "created_at"),
    "recommendations": ("id", "group_id", "area", "horizon", "title_es", "title_en", "text_es", "text_en", "state",
                        "answer_es", "answer_en", "answer_revision", "published", "published_at", "published_by_id",
                        "merged_into_id", "created_by_id", "version", "created_at", "updated_at"),
    "consultation_recommendations": ("consultation_id", "recommendation_id", "position"),
    "contributions": ("id", "consultation_id", "receipt_hash", "channel", "submitted_at", "sector", "state",
                      "institution", "age_band", "gender", "email", "language", "consented_at", "external_id",
                      "source_hash", "text_hash", "search_text", "hidden_at", "hidden_by_id", "hidden_reason"),
    "answers": ("contribution_id", "question_id", "choice_id", "text"),
    "contribution_comments": ("contribution_id", "recommendation_id", "text"),
    "codings": ("contribution_id", "theme_id", "coded_by_id", "coded_at"),
    "recommendation_themes": ("recommendation_id", "theme_id", "added_by_id", "added_at"),
    "recommendation_contributions": ("recommendation_id", "contribution_id", "added_by_id", "added_at"),
    "recommendation_deliverables": ("recommendation_id", "deliverable_id"),
    "recommendation_splits": ("parent_id", "child_id", "created_at"),
    "recommendation_revisions": ("recommendation_id", "actor_id", "action", "changes", "created_at"),
}
PARENT_TABLES = ("consultations", "questions", "question_choices", "themes", "recommendations", "contributions")
PROGRESS_STEPS = {"contributions": "contributions", "codings": "codings"}
COUNT_NAMES = {"consultations": "consultations", "contributions": "contributions", "themes": "themes",
               "codings": "codings", "recommendations": "recommendations"}

# The demo's national consultation at scale 1, and what each unit of scale adds (100,000 at scale 100).
DEMO_CONTRIBUTIONS = 1_600
CONTRIBUTIONS_PER_SCALE = 1_000
PRINCIPLES_CONTRIBUTIONS = 90
CODED_SHARE = 0.85
HIDDEN = 6
# Contributions a recommendation cites directly (the busiest one cites more as the demo grows).
DIRECT_SOURCES = (4, 14)
# Pre-written answers per theme: drawing one per contribution is the hot loop at 100,000.
TEXT_VARIANTS = 48


def contributions_at(scale: int) -> int:
    """How many contributions the national consultation holds at `scale`."""
    return max(DEMO_CONTRIBUTIONS, CONTRIBUTIONS_PER_SCALE * scale)


def _cumulative(weights: dict) -> tuple[list, list]:
    return list(weights), list(itertools.accumulate(weights.values()))


class ConsultationDemo:
    """Writes the consultations and the agenda with the seeder's generator, clock, ids and writer."""

    def __init__(self, builder, deliverables: dict[int, list[int]], public_deliverables: dict[int, list[int]]):
        self.b = builder
        self.rng = builder.rng
        self.add = builder.writer.add
        self.at = builder.at
        self.now = builder.now
        self.deliverables = deliverables  # group id → its deliverable ids
        self.public_deliverables = public_deliverables  # group id → its public deliverable ids
        self.coordinator = builder.fixed["coordinator@example.org"]["id"]
        self.lead = builder.fixed["lead@example.org"]["id"]
        self.group_ids = {slug: group.id for slug, group in builder.groups.items()}

    def _id(self, table: str) -> int:
        return self.b._new_id(db.metadata.tables[table])

    def run(self) -> None:
        national = self._national()
        recommendations = self._agenda(national)
        self._principles(recommendations)

    # -- the national consultation -------------------------------------------------------------

    def _consultation(self, spec: dict, kind: str, opens: datetime, closes: datetime, groups,
                      results_published_at: datetime | None = None) -> int:
        consultation_id = self._id("consultations")
        created = opens - timedelta(days=21)
        published = results_published_at is not None
        self.add("consultations", (consultation_id, spec["slug"], spec["title_es"], spec["title_en"],
                                   spec["description_es"], spec["description_en"], kind, self.at(opens),
                                   self.at(closes), "open", self.coordinator, 1, self.at(created), self.at(opens),
                                   published, self.at(results_published_at), self.coordinator if published else None))
        for slug in groups:
            self.add("consultation_groups", (consultation_id, self.group_ids[slug]))
        return consultation_id

    def _questions(self, consultation_id: int, questions) -> list[tuple[int, str, list[int]]]:
        """Write the questions and their choices; return (question id, kind, choice ids) per question."""
        written = []
        for position, (kind, required, prompt_es, prompt_en, choices) in enumerate(questions, start=1):
            question_id = self._id("questions")
            self.add("questions", (question_id, consultation_id, position, kind, prompt_es, prompt_en, required))
            choice_ids = []
            for choice_position, (label_es, label_en) in enumerate(choices, start=1):
                choice_id = self._id("question_choices")
                self.add("question_choices", (choice_id, question_id, choice_position, label_es, label_en))
                choice_ids.append(choice_id)
            written.append((question_id, kind, choice_ids))
        return written

    def _national(self) -> dict:
        b, rng = self.b, self.rng
        opens = self.now - timedelta(days=270)
        closes = opens + timedelta(days=90)
        # Closed months ago, its results published on the portal once the agenda was decided.
        consultation_id = self._consultation(data.NATIONAL, "questions", opens, closes, self.group_ids,
                                             results_published_at=closes + timedelta(days=120))
        questions = self._questions(consultation_id, data.NATIONAL_QUESTIONS)
        themes = []
        for name_es, name_en, description_es, description_en, area, group, _ in data.THEMES:
            theme_id = self._id("themes")
            self.add("themes", (theme_id, consultation_id, name_es, name_en, description_es, description_en,
                                self.coordinator, self.at(closes + timedelta(days=3))))
            themes.append({"id": theme_id, "area": area, "group": group, "coders": self._coders(group)})
        variants = [[self._text(sentences) for _ in range(TEXT_VARIANTS)] for *_, sentences in data.THEMES]
        institutions = [(name, sector) for name, _, sector, _, _ in coalition_data.INSTITUTIONS]
        by_sector: dict[str, list[str]] = {}
        for name, sector in institutions:
            by_sector.setdefault(sector, []).append(name)

        sectors, sector_weights = _cumulative(data.SECTOR_WEIGHTS)
        states, state_weights = _cumulative(data.STATE_WEIGHTS)
        channels, channel_weights = _cumulative(data.CHANNEL_WEIGHTS)
        ages, age_weights = _cumulative(data.AGE_WEIGHTS)
        genders, gender_weights = _cumulative(dict(data.GENDERS))
        total = contributions_at(b.scale)
        b.totals["contributions"] = total + PRINCIPLES_CONTRIBUTIONS
        span = (closes - opens).total_seconds()
        (q1, _, _), (q2, _, q2_choices), (q3, _, q3_choices), (q4, _, _) = questions
        coded: dict[int, list[int]] = {theme["id"]: [] for theme in themes}
        pending_codings = []
        serial = {"workshop": 0, "forum": 0}
        hidden_at = {rng.randint(50, total - 1) for _ in range(HIDDEN)}
        demo_receipt_id = None
        for n in range(total):
            contribution_id = self._id("contributions")
            channel = rng.choices(channels, cum_weights=channel_weights)[0]
            if channel == "online":
                state = rng.choices(states, cum_weights=state_weights)[0]
                external_id = None
            else:  # paper from a forum or a workshop, typed in later: the sheet's folio
                state, channel = rng.choice(data.OFFLINE_EVENTS)
                serial[channel] += 1
                external_id = f"{'FORO' if channel == 'forum' else 'TALLER'}-{state}-{serial[channel]:05d}"
            sector = rng.choices(sectors, cum_weights=sector_weights)[0]
            institution = None
            if sector != "individual" and rng.random() < 0.6 and by_sector.get(sector):
                institution = rng.choice(by_sector[sector])
            english = rng.random() < 0.04
            picked = rng.sample(range(len(themes)), 2 if rng.random() < 0.35 else 1)
            if n == 0:  # the demo receipt's contribution: transparency, cited by the first recommendation
                picked, channel, external_id, english = [4], "online", None, False
            main_text = rng.choice(data.ENGLISH_SENTENCES) if english else \
                " ".join(rng.choice(variants[i]) for i in picked)
            submitted = opens + timedelta(seconds=rng.random() * span)
            is_hidden = n in hidden_at
            if is_hidden:
                main_text = rng.choice(data.SPAM)
            texts = [main_text]
            proposal = rng.choice(data.PROPOSALS) if rng.random() < 0.3 and not is_hidden else None
            if proposal:
                texts.append(proposal)
            email = f"participante{n + 1}@example.net" if channel == "online" and rng.random() < 0.08 else None
            receipt = code_hash(data.DEMO_RECEIPT) if n == 0 else \
                hashlib.sha256(f"demo-receipt-{contribution_id}".encode()).hexdigest()
            if n == 0:
                demo_receipt_id = contribution_id
            self.add("contributions", (
                contribution_id, consultation_id, receipt, channel,
                self.at(submitted), sector, state, institution, rng.choices(ages, cum_weights=age_weights)[0],
                rng.choices(genders, cum_weights=gender_weights)[0], email, "en" if english else "es",
                self.at(submitted), external_id, None, None, "\n".join(texts),
                self.at(closes + timedelta(days=2)) if is_hidden else None,
                self.coordinator if is_hidden else None, "Spam: publicidad sin relación con la consulta" if is_hidden
                else None))
            self.add("answers", (contribution_id, q1, None, main_text))
            if rng.random() < 0.8:
                self.add("answers", (contribution_id, q2, rng.choice(q2_choices), None))
            if rng.random() < 0.75:
                areas = {data.AREA_CHOICE[themes[i]["area"]] for i in picked}
                if rng.random() < 0.4:
                    areas.add(rng.randint(1, 5))
                for position in sorted(areas):
                    self.add("answers", (contribution_id, q3, q3_choices[position - 1], None))
            if proposal:
                self.add("answers", (contribution_id, q4, None, proposal))
            if not is_hidden and (n == 0 or rng.random() < CODED_SHARE):
                for i in picked:
                    theme = themes[i]
                    coded[theme["id"]].append(contribution_id)
                    pending_codings.append((contribution_id, theme["id"], rng.choice(theme["coders"]),
                                            self.at(closes + timedelta(days=rng.randint(4, 80),
                                                                        minutes=rng.randint(0, 600)))))
        b.totals["codings"] = len(pending_codings)
        self.b.writer.flush()
        for coding in pending_codings:
            self.add("codings", coding)
        return {"id": consultation_id, "themes": themes, "coded": coded, "closes": closes,
                "demo_receipt": demo_receipt_id}

    def _coders(self, group: str) -> list[int]:
        coders = [person["id"] for person in self.b.leads.get(group, [])]
        if group == "ethics":
            coders.append(self.lead)
        return coders or [self.coordinator]

    def _text(self, sentences) -> str:
        openings = ("", "", "Creo que ", "En mi experiencia, ", "Desde mi comunidad: ", "Como estudiante, ",
                    "Como docente, ", "Desde la empresa donde trabajo, ")
        sentence = self.rng.choice(sentences)
        opening = self.rng.choice(openings)
        return opening + (sentence[0].lower() + sentence[1:] if opening else sentence)

    # -- the agenda ------------------------------------------------------------------------------

    def _agenda(self, national: dict) -> dict:
        rng = self.rng
        themes, coded = national["themes"], national["coded"]
        decided = national["closes"] + timedelta(days=100)
        ids: dict = {"adopted": [], "principles": []}
        theme_names = [(es, en) for es, en, *_ in data.THEMES]

        def write(spec, state, published, answer=("", ""), merged_into=None, revision=0):
            group, area, horizon, title_es, title_en, text_es, text_en = spec[:7]
            recommendation_id = self._id("recommendations")
            created = decided - timedelta(days=rng.randint(20, 60))
            at = decided + timedelta(days=rng.randint(0, 30))
            self.add("recommendations", (
                recommendation_id, self.group_ids[group], area, horizon, title_es, title_en, text_es, text_en, state,
                answer[0], answer[1], revision, published, self.at(at) if published else None,
                self.coordinator if published else None, merged_into, self._coders(group)[0], 1,
                self.at(created), self.at(at)))
            self.add("recommendation_revisions", (recommendation_id, self._coders(group)[0], "create",
                                                  json.dumps({"state": "draft", "title": title_es}),
                                                  self.at(created)))
            if state != "draft":
                self.add("recommendation_revisions", (recommendation_id, self.coordinator, "state",
                                                      json.dumps({"state": ["draft", state]}), self.at(at)))
            if published:
                self.add("recommendation_revisions", (recommendation_id, self.coordinator, "publish",
                                                      json.dumps({"published": [False, True]}), self.at(at)))
            return recommendation_id

        def sources(recommendation_id, positions, direct, most=SOURCES_MAX):
            added = decided - timedelta(days=5)
            adder = self.coordinator
            cited: list[int] = []
            for position in positions:
                theme = themes[position]
                self.add("recommendation_themes", (recommendation_id, theme["id"], adder, self.at(added)))
                pool = coded[theme["id"]]
                for contribution_id in rng.sample(pool, min(direct, len(pool))):
                    if contribution_id not in cited:
                        cited.append(contribution_id)
            for contribution_id in cited[:most]:
                self.add("recommendation_contributions", (recommendation_id, contribution_id, adder, self.at(added)))
            return cited[:most]

        for position, spec in enumerate(data.ADOPTED):
            names = [theme_names[i] for i in spec[7]]
            answer = (data.ADOPTED_ANSWER[0].format(themes=", ".join(f"«{es}»" for es, _ in names)),
                      data.ADOPTED_ANSWER[1].format(themes=", ".join(f"“{en}”" for _, en in names)))
            published = position not in data.UNPUBLISHED
            recommendation_id = write(spec, "adopted", published, answer, revision=1 if published else 0)
            ids["adopted"].append(recommendation_id)
            # The first one is the busiest: a trace page over many sources, growing with the scale.
            if position == 0:
                busiest = min(SOURCES_MAX - 1, max(40, 20 * self.b.scale))  # one place left for the demo receipt
                cited = sources(recommendation_id, spec[7], busiest // len(spec[7]) + 1, busiest)
            else:
                cited = sources(recommendation_id, spec[7], rng.randint(*DIRECT_SOURCES))
            if position == 0 and national["demo_receipt"] not in cited:
                self.add("recommendation_contributions", (recommendation_id, national["demo_receipt"],
                                                          self.coordinator, self.at(decided)))
        absorber = ids["adopted"][data.MERGED_INTO]
        other = data.ADOPTED[data.MERGED_INTO]
        merged = write(data.MERGED, "merged", True, (data.MERGED_ANSWER[0].format(other=other[3]),
                                                     data.MERGED_ANSWER[1].format(other=other[4])),
                       merged_into=absorber, revision=1)
        sources(merged, data.MERGED[7], 3)
        rejected = write(data.REJECTED, "rejected", True, data.REJECTED_ANSWER, revision=1)
        sources(rejected, data.REJECTED[7], 3)
        for spec in data.DRAFTS:
            sources(write(spec, "draft", False), spec[7], 2)
        for spec in data.PRINCIPLES_DRAFTS:
            ids["principles"].append(write(spec, "in_consultation", False))
        parent, child = (ids["adopted"][i] for i in data.SPLIT)
        self.add("recommendation_splits", (parent, child, self.at(decided)))
        links = set()
        for position in data.WITH_DELIVERABLES:
            group_id = self.group_ids[data.ADOPTED[position][0]]
            for deliverable_id in self.deliverables.get(group_id, [])[:2]:
                links.add((ids["adopted"][position], deliverable_id))
        # Every public deliverable carries out one of its group's published recommendations, in turn.
        published = {}
        for position, spec in enumerate(data.ADOPTED):
            if position not in data.UNPUBLISHED:
                published.setdefault(self.group_ids[spec[0]], []).append(ids["adopted"][position])
        for group_id, deliverable_ids in self.public_deliverables.items():
            recommendation_ids = published.get(group_id)
            for n, deliverable_id in enumerate(deliverable_ids if recommendation_ids else ()):
                links.add((recommendation_ids[n % len(recommendation_ids)], deliverable_id))
        for link in sorted(links):
            self.add("recommendation_deliverables", link)
        return ids

    # -- the open consultation on the draft principles -------------------------------------------

    def _principles(self, recommendations: dict) -> None:
        rng = self.rng
        opens = self.now - timedelta(days=7)
        closes = self.now + timedelta(days=60)
        consultation_id = self._consultation(data.PRINCIPLES, "both", opens, closes, ("ethics", "governance"))
        (q1, _, q1_choices), (q2, _, _) = self._questions(consultation_id, data.PRINCIPLES_QUESTIONS)
        principles = recommendations["principles"]
        for position, recommendation_id in enumerate(principles, start=1):
            self.add("consultation_recommendations", (consultation_id, recommendation_id, position))
        sectors, sector_weights = _cumulative(data.SECTOR_WEIGHTS)
        states, state_weights = _cumulative(data.STATE_WEIGHTS)
        span = (self.now - timedelta(minutes=30) - opens).total_seconds()
        for n in range(PRINCIPLES_CONTRIBUTIONS):
            contribution_id = self._id("contributions")
            submitted = opens + timedelta(seconds=rng.random() * span)
            comments = [(r, rng.choice(data.PRINCIPLE_COMMENTS)) for r in rng.sample(principles, rng.randint(1, 3))]
            missing = rng.choice(data.MISSING) if rng.random() < 0.4 else None
            texts = [text for _, text in comments] + ([missing] if missing else [])
            self.add("contributions", (
                contribution_id, consultation_id,
                hashlib.sha256(f"demo-receipt-{contribution_id}".encode()).hexdigest(), "online",
                self.at(submitted), rng.choices(sectors, cum_weights=sector_weights)[0],
                rng.choices(states, cum_weights=state_weights)[0], None, rng.choice(list(data.AGE_WEIGHTS)),
                None, None, "es", self.at(submitted), None, None, None, "\n".join(texts), None, None, None))
            self.add("answers", (contribution_id, q1, rng.choice(q1_choices), None))
            if missing:
                self.add("answers", (contribution_id, q2, None, missing))
            for recommendation_id, text in comments:
                self.add("contribution_comments", (contribution_id, recommendation_id, text))
