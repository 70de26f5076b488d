"""The public agenda: the published recommendations (filtered), one recommendation with its trace and the
deliverables that carry it out, and a consultation's published results.

Only what is published is read, and always in the query itself: an unpublished or unknown item is the
same NotFound, found by the same single query. Each page issues a fixed number of queries whatever the
number of recommendations, deliverables, milestones, institutions or contributions.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_decimal, gettext as _
from sqlalchemy.orm import aliased, joinedload, selectinload

from coalition.analysis.figures import consultation_figures
from coalition.consultations.cells import hide_small_cells
from coalition.consultations.models import (CHANNELS, MIN_CELL, PROFILE_SECTORS, SLUG_MAX, Coding, Consultation,
                                            Contribution, Theme)
from coalition.dashboards import charts
from coalition.database import contains_pattern
from coalition.deliverables.models import COMPLETIONS, Deliverable, DeliverableUpdate, deliverable_institutions
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.groups.models import GROUP_SLUGS, WorkingGroup
from coalition.institutions.models import Institution, state_label
from coalition.pagination import Page, clamp, paginate
from coalition.portal import publication
from coalition.portal.completion import completion_sql, overall
from coalition.recommendations.models import (AREAS, HORIZONS, RECOMMENDATION_STATES, Recommendation,
                                              RecommendationDeliverable, SourceContribution, SourceTheme)
from coalition.recommendations.trace import trace
from coalition.validation import QUERY_MAX, is_id

PER_PAGE = 20
NO_DELIVERABLE = "none"  # the completion filter's value for "no public deliverable yet"
COMPLETION_FILTERS = (*COMPLETIONS, NO_DELIVERABLE)
# A consultation's results are public only once it no longer takes contributions.
RESULTS_STATES = ("closed", "analysed", "reported")
FILTERS = ("area", "horizon", "group", "state", "completion")


# --- completion: a recommendation's, from its public deliverables' ------------------------------

def _visible_deliverable():
    return publication.deliverable_public()


def completion_by_recommendation():
    """A subquery (recommendation_id, completion) over the recommendations with at least one public,
    non-archived deliverable: completion.overall's rule as an SQL aggregate."""
    level = completion_sql()
    one = sa.literal(1)
    counts = (sa.select(RecommendationDeliverable.recommendation_id.label("recommendation_id"),
                        sa.func.count().label("n"),
                        sa.func.sum(sa.case((level == "complete", one), else_=0)).label("complete"),
                        sa.func.sum(sa.case((level == "not_started", one), else_=0)).label("not_started"),
                        sa.func.sum(sa.case((level.in_(("substantial", "complete")), one), else_=0)).label("advanced"))
              .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
              .where(_visible_deliverable())
              .group_by(RecommendationDeliverable.recommendation_id)).subquery()
    completion = sa.case(
        (counts.c.complete == counts.c.n, "complete"),
        (counts.c.not_started == counts.c.n, "not_started"),
        (2 * counts.c.advanced >= counts.c.n, "substantial"),
        else_="limited")
    return sa.select(counts.c.recommendation_id, completion.label("completion")).subquery()


def _with_completion(stmt: sa.Select):
    """`stmt` (over Recommendation) outer-joined to the completion subquery; returns it and the
    completion column (NULL when the recommendation has no public deliverable: read it with `_level`)."""
    sub = completion_by_recommendation()
    return stmt.outerjoin(sub, sub.c.recommendation_id == Recommendation.id), sub.c.completion


def _level(value: str | None) -> str:
    return value or NO_DELIVERABLE


def recommendation_completion(recommendation_id: int) -> str | None:
    """A published recommendation's completion (None when unpublished, unknown or without a public
    deliverable), in one query."""
    if not is_id(recommendation_id):
        return None
    stmt, column = _with_completion(sa.select(Recommendation.id))
    found = db.session.execute(stmt.add_columns(column).where(
        Recommendation.id == recommendation_id, Recommendation.published.is_(True))).first()
    return None if found is None else found[1]


@dataclass
class PublicDeliverable:
    deliverable: Deliverable
    completion: str
    institutions: list  # listed institutions only
    last_update: object  # a datetime: the newest update recorded, else when progress was last recorded

    @property
    def completion_label(self) -> str:
        return str(COMPLETIONS[self.completion])


def public_deliverables(recommendation_ids: list[int]) -> dict[int, list[PublicDeliverable]]:
    """The public, non-archived deliverables of each recommendation, with their completion, milestones,
    listed institutions and last update: three queries whatever their number."""
    if not recommendation_ids:
        return {}
    newest = (sa.select(sa.func.max(DeliverableUpdate.created_at))
              .where(DeliverableUpdate.deliverable_id == Deliverable.id).correlate(Deliverable).scalar_subquery())
    rows = db.session.execute(
        sa.select(RecommendationDeliverable.recommendation_id, Deliverable, completion_sql(), newest)
        .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
        .where(RecommendationDeliverable.recommendation_id.in_(recommendation_ids), _visible_deliverable())
        .options(selectinload(Deliverable.milestones))
        .order_by(Deliverable.due_date, Deliverable.id)).all()
    ids = sorted({row[1].id for row in rows})
    institutions: dict[int, list] = {}
    if ids:
        for deliverable_id, institution in db.session.execute(
                sa.select(deliverable_institutions.c.deliverable_id, Institution)
                .join(Institution, Institution.id == deliverable_institutions.c.institution_id)
                .where(deliverable_institutions.c.deliverable_id.in_(ids), publication.institution_listed())
                .order_by(Institution.name)):
            institutions.setdefault(deliverable_id, []).append(institution)
    result: dict[int, list[PublicDeliverable]] = {rid: [] for rid in recommendation_ids}
    for rid, deliverable, level, last in rows:
        result[rid].append(PublicDeliverable(deliverable=deliverable, completion=level,
                                             institutions=institutions.get(deliverable.id, []),
                                             last_update=last or deliverable.last_update_at))
    return result


# --- the agenda ------------------------------------------------------------------------------------

def _chosen(args) -> dict:
    """The filters asked for; unknown values are ignored."""
    def pick(name: str, choices) -> str | None:
        value = args.get(name)
        return value if isinstance(value, str) and value in choices else None

    q = args.get("q")
    q = q.strip()[:QUERY_MAX] if isinstance(q, str) else ""
    return {"area": pick("area", AREAS), "horizon": pick("horizon", HORIZONS),
            "group": pick("group", GROUP_SLUGS), "state": pick("state", RECOMMENDATION_STATES),
            "completion": pick("completion", COMPLETION_FILTERS), "q": q or None}


def agenda(args) -> dict:
    """The published recommendations the filters in `args` select, a page of them, with counts per filter value."""
    filters = _chosen(args)
    page, _per_page = clamp(args.get("page"), PER_PAGE)
    groups = db.session.scalars(sa.select(WorkingGroup).order_by(WorkingGroup.position)).all()
    by_id = {group.id: group for group in groups}
    slug_of = {group.id: group.slug for group in groups}

    stmt, completion = _with_completion(sa.select(Recommendation))
    stmt = stmt.add_columns(completion).where(Recommendation.published.is_(True))
    if filters["q"]:
        pattern = contains_pattern(filters["q"])
        stmt = stmt.where(sa.or_(Recommendation.title_es.ilike(pattern, escape="\\"),
                                 Recommendation.title_en.ilike(pattern, escape="\\")))
    # Every filter value's count under the other filters, from one GROUP BY over the searched set.
    facets = stmt.with_only_columns(Recommendation.area, Recommendation.horizon, Recommendation.group_id,
                                    Recommendation.state, completion, sa.func.count()).group_by(
        Recommendation.area, Recommendation.horizon, Recommendation.group_id, Recommendation.state, completion)
    counts = {name: Counter() for name in FILTERS}
    for area, horizon, group_id, state, level, n in db.session.execute(facets):
        values = {"area": area, "horizon": horizon, "group": slug_of.get(group_id), "state": state,
                  "completion": _level(level)}
        for name in FILTERS:
            if all(filters[other] in (None, values[other]) for other in FILTERS if other != name):
                counts[name][values[name]] += n

    for name in ("area", "horizon", "state"):
        if filters[name]:
            stmt = stmt.where(getattr(Recommendation, name) == filters[name])
    if filters["group"]:
        stmt = stmt.where(Recommendation.group_id.in_(
            [group.id for group in groups if group.slug == filters["group"]]))
    if filters["completion"] == NO_DELIVERABLE:
        stmt = stmt.where(completion.is_(None))
    elif filters["completion"]:
        stmt = stmt.where(completion == filters["completion"])
    stmt = stmt.order_by(Recommendation.id)
    found = paginate(stmt, page, PER_PAGE, scalars=False)
    items = [{"recommendation": rec, "group": by_id.get(rec.group_id), "completion": _level(level),
              "completion_label": completion_label(level)} for rec, level in found.items]
    return {"page": Page(items=items, page=found.page, per_page=found.per_page, total=found.total),
            "filters": filters, "counts": counts, "groups": groups, "AREAS": AREAS, "HORIZONS": HORIZONS,
            "STATES": RECOMMENDATION_STATES, "COMPLETION_CHOICES": completion_choices(),
            "filtered": any(filters.values())}


def completion_label(level: str | None) -> str:
    if level in COMPLETIONS:
        return str(COMPLETIONS[level])
    return _("No public deliverable yet")


def completion_choices() -> list[tuple[str, str]]:
    return [(level, completion_label(level)) for level in COMPLETION_FILTERS]


# --- one recommendation ------------------------------------------------------------------------------

def recommendation(recommendation_id) -> dict:
    """A published recommendation: its text, answer, trace (counts, k ≥ 5) and public deliverables."""
    if not is_id(recommendation_id):
        raise NotFound()
    target = aliased(Recommendation)
    found = db.session.execute(
        sa.select(Recommendation, target.id, target.title_es, target.title_en)
        .outerjoin(target, sa.and_(target.id == Recommendation.merged_into_id,
                                   publication.recommendation_public(target)))
        .options(joinedload(Recommendation.group))
        .where(Recommendation.id == recommendation_id, publication.recommendation_public())).first()
    if found is None:
        raise NotFound()
    rec, target_id, target_es, target_en = found
    merged_into = ({"id": target_id, "title_es": target_es, "title_en": target_en}
                   if target_id is not None else None)
    deliverables = public_deliverables([rec.id])[rec.id]
    level = overall([item.completion for item in deliverables])
    return {"rec": rec, "merged_into": merged_into, "trace": trace(rec.id, public=True), "deliverables": deliverables,
            "completion": level or NO_DELIVERABLE, "completion_label": completion_label(level),
            "min_cell": MIN_CELL, "sector_label": profile_sector_label, "state_name": state_label,
            "channel_label": channel_label, "first_sentence": first_sentence}


def profile_sector_label(key: str) -> str:
    return str(PROFILE_SECTORS.get(key, key))


def channel_label(key: str) -> str:
    return str(CHANNELS.get(key, key))


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_MARKDOWN_MARKS = re.compile(r"[#*_`>\[\]]+")


def first_sentence(text: str | None, limit: int = 300) -> str:
    """The first sentence of a text, as plain text on one line: a page's meta description."""
    plain = " ".join(_MARKDOWN_MARKS.sub(" ", text or "").split())
    return _SENTENCE_END.split(plain, maxsplit=1)[0][:limit]


# --- a consultation's results ------------------------------------------------------------------------

def consultation(slug) -> dict:
    """A closed consultation's published results: participation, themes and the recommendations it fed."""
    if not isinstance(slug, str) or not slug or len(slug) > SLUG_MAX:
        raise NotFound()
    item = db.session.execute(sa.select(Consultation).where(
        Consultation.slug == slug, publication.results_public())).scalar_one_or_none()
    if item is None:
        raise NotFound()
    figures = consultation_figures(item, ("sector", "state"))
    # Days follow the small-cell rule too: a day when fewer than MIN_CELL people took part is not shown.
    shown_days, _hidden = hide_small_cells(dict(figures.by_day))
    hidden_days = len(shown_days) < len(figures.by_day)
    figures = dataclasses.replace(figures, by_day=[(day, n) for day, n in figures.by_day if day in shown_days])
    visible = sa.and_(Contribution.id == Coding.contribution_id, Contribution.hidden_at.is_(None))
    themes = [{"name_es": name_es, "name_en": name_en, "contributions": n} for name_es, name_en, n in
              db.session.execute(
                  sa.select(Theme.name_es, Theme.name_en, sa.func.count(Contribution.id))
                  .outerjoin(Coding, Coding.theme_id == Theme.id).outerjoin(Contribution, visible)
                  .where(Theme.consultation_id == item.id)
                  .group_by(Theme.id, Theme.name_es, Theme.name_en)
                  .order_by(sa.func.count(Contribution.id).desc(), Theme.name_es))]
    fed_by_themes = (sa.select(SourceTheme.recommendation_id).join(Theme, Theme.id == SourceTheme.theme_id)
                     .where(Theme.consultation_id == item.id))
    fed_by_contributions = (sa.select(SourceContribution.recommendation_id)
                            .join(Contribution, Contribution.id == SourceContribution.contribution_id)
                            .where(Contribution.consultation_id == item.id, Contribution.hidden_at.is_(None)))
    stmt, completion = _with_completion(sa.select(Recommendation))
    fed = db.session.execute(
        stmt.add_columns(completion).options(joinedload(Recommendation.group))
        .where(Recommendation.published.is_(True),
               sa.or_(Recommendation.id.in_(fed_by_themes), Recommendation.id.in_(fed_by_contributions)))
        .order_by(Recommendation.id)).all()
    days = [(date.fromisoformat(day), n) for day, n in figures.by_day]
    total = figures.total if figures.total >= MIN_CELL else None
    return {"consultation": item, "figures": figures, "charts": _charts(figures), "days": days, "themes": themes,
            "total": total, "hidden_days": hidden_days,
            "recommendations": [{"recommendation": rec, "completion": _level(level),
                                 "completion_label": completion_label(level)} for rec, level in fed],
            "min_cell": MIN_CELL, "sector_label": profile_sector_label, "state_name": state_label,
            "first_sentence": first_sentence}


def _charts(figures) -> dict:
    """The results' charts, in the page's language; each page puts a table beside it."""
    count = format_decimal
    small = _("Groups of fewer than %(n)s people are not shown.", n=MIN_CELL)
    none = _("No group reaches %(n)s people yet.", n=MIN_CELL)
    return {
        "by_day": charts.line_chart(
            figures.by_day, chart_id="chart-by-day", title=_("Contributions by day"),
            description=_("How many contributions arrived each day, in the coalition's timezone."),
            empty_text=_("No contributions yet."), value_format=count, y_max=0),
        "sector": charts.bar_chart(
            [(profile_sector_label(key), n) for key, n in figures.breakdowns["sector"].shown],
            chart_id="chart-sector", title=_("By sector"), description=small, empty_text=none,
            value_format=count),
        "state": charts.bar_chart(
            [(state_label(key), n) for key, n in figures.breakdowns["state"].shown],
            chart_id="chart-state", title=_("By state"), description=small, empty_text=none,
            value_format=count),
    }
