"""The portal's home, members and working-group pages: what is published, and who stands behind it.

Everything here reads published data only: published recommendations, public deliverables that are
not archived, institutions listed and active. Aggregates are GROUP BY queries, a fixed number per
page whatever the data's size, and the ones several pages share go through `portal_cached`.
Cached values are plain data (codes and counts, both languages' names): labels are translated when
the page is drawn, so one cached value serves Spanish and English.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal, gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from coalition.analysis.services import fold  # also registers coalition_fold on SQLite connections
from coalition.auth.models import User
from coalition.dashboards.charts import bar_chart, stacked_bar_chart
from coalition.database import contains_pattern
from coalition.deliverables.models import COMPLETIONS, Deliverable
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.groups.models import SLUG_MAX, GroupMembership, WorkingGroup, group_lead_institutions
from coalition.institutions.models import ABROAD, SECTORS, STATES, Institution, state_label
from coalition.pagination import Page, clamp
from coalition.portal import changes as portal_changes
from coalition.portal import publication
from coalition.portal.completion import LEVELS, completion_sql, overall
from coalition.portal.http import portal_cached, portal_url
from coalition.portal.map import state_map
from coalition.recommendations.models import (AREAS, HORIZONS, RECOMMENDATION_STATES, Recommendation,
                                              RecommendationDeliverable)
from coalition.templating import language
from coalition.validation import QUERY_MAX

LATEST_CHANGES = 10
MEMBERS_PER_PAGE = 30
# Accents PostgreSQL folds for the members search (SQLite folds any with coalition_fold).
_ACCENTED = "ÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇáàäâéèëêíìïîóòöôúùüûñç"
_PLAIN = "AAAAEEEEIIIIOOOOUUUUNCaaaaeeeeiiiioooouuuunc"


# --- figures shared by the pages --------------------------------------------------------------

def institution_counts() -> dict:
    """Listed member institutions by sector and by state (two GROUP BYs, cached per data version)."""
    return portal_cached(("institution-counts",), _institution_counts)


def _institution_counts() -> dict:
    by_sector = dict(db.session.execute(
        sa.select(Institution.sector, sa.func.count()).where(publication.institution_listed())
        .group_by(Institution.sector)).all())
    by_state = dict(db.session.execute(
        sa.select(Institution.state, sa.func.count()).where(publication.institution_listed())
        .group_by(Institution.state)).all())
    return {"by_sector": {key: int(by_sector.get(key, 0)) for key in SECTORS},
            "by_state": {code: int(n) for code, n in by_state.items() if code in STATES or code == ABROAD},
            "total": int(sum(by_sector.values()))}


def _groups() -> list[tuple[int, str, str, str]]:
    """Every working group as (id, slug, Spanish name, English name), in their order."""
    return [tuple(row) for row in db.session.execute(
        sa.select(WorkingGroup.id, WorkingGroup.slug, WorkingGroup.name_es, WorkingGroup.name_en)
        .order_by(WorkingGroup.position, WorkingGroup.id)).all()]


# --- home ------------------------------------------------------------------------------------

def home() -> dict:
    """The agenda in figures, the members by sector and state, and the latest changes."""
    figures = portal_cached(("home",), _home_figures)
    institutions = institution_counts()
    lang = language()
    progress_rows = [(name_es if lang == "es" else name_en, counts)
                     for _slug, name_es, name_en, counts in figures["progress"] if any(counts.values())]
    charts = {
        "progress": stacked_bar_chart(
            progress_rows, segments=[(key, str(COMPLETIONS[key])) for key in LEVELS], chart_id="chart-group-progress",
            title=_("Completion of public deliverables by working group"),
            description=_("For each working group, the share of its public deliverables not started, with limited, "
                          "substantial or complete progress."),
            empty_text=_("No deliverable is public yet."), value_format=_percent),
        "sectors": sector_chart(institutions["by_sector"], "chart-member-sectors"),
        "map": member_map(institutions["by_state"]),
    }
    grid_max = max((n for row in figures["grid"].values() for n in row.values()), default=0)
    return {**figures, "institutions": institutions, "charts": charts, "grid_max": grid_max,
            "state_rows": state_rows(institutions["by_state"]), "areas": AREAS, "horizons": HORIZONS,
            "levels": LEVELS, "completions": COMPLETIONS, "recommendation_states": RECOMMENDATION_STATES}


def _percent(value) -> str:
    return f"{format_decimal(round(value))} %"


def sector_chart(by_sector: dict[str, int], chart_id: str, title: str | None = None) -> Markup:
    """Listed institutions by sector as a bar chart (the page shows the same numbers as a table)."""
    return bar_chart([(str(SECTORS[key]), by_sector.get(key, 0)) for key in SECTORS if by_sector.get(key)],
                     chart_id=chart_id, title=title or _("Listed member institutions by sector"),
                     description=_("How many listed member institutions each sector has."),
                     empty_text=_("No member institution is listed yet."), value_format=format_decimal)


def state_rows(by_state: dict[str, int]) -> list[tuple[str, str, int]]:
    """The map's table equivalent: (code, name, institutions) for every state by name, then abroad."""
    rows = sorted(((code, name, by_state.get(code, 0)) for code, name in STATES.items()), key=lambda row: row[1])
    return rows + [(ABROAD, str(state_label(ABROAD)), by_state.get(ABROAD, 0))]


def member_map(by_state: dict[str, int]) -> Markup:
    """The tile map of listed institutions by state, each tile linking to that state's members."""
    return state_map(by_state, lambda code: portal_url("portal.members", state=code))


def _home_figures() -> dict:
    grid: dict[str, dict[str, int]] = {area: {horizon: 0 for horizon in HORIZONS} for area in AREAS}
    for area, horizon, n in db.session.execute(
            sa.select(Recommendation.area, Recommendation.horizon, sa.func.count())
            .where(publication.recommendation_public()).group_by(Recommendation.area, Recommendation.horizon)):
        if area in grid and horizon in grid[area]:
            grid[area][horizon] = int(n)
    published, adopted = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((Recommendation.state == "adopted", 1),
                                                                          else_=0)), 0))
        .where(publication.recommendation_public())).one()
    under_way, complete = _carried_out()
    return {"grid": grid, "published": int(published), "adopted": int(adopted), "under_way": under_way,
            "complete": complete, "progress": _progress_by_group(), "changes": _latest_changes()}


def _carried_out() -> tuple[int, int]:
    """Published recommendations under way (a public deliverable begun, not all complete) and complete."""
    level = completion_sql()
    per_recommendation = (
        sa.select(sa.func.count().label("total"),
                  sa.func.sum(sa.case((level != "not_started", 1), else_=0)).label("started"),
                  sa.func.sum(sa.case((level == "complete", 1), else_=0)).label("done"))
        .select_from(RecommendationDeliverable)
        .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
        .join(Recommendation, Recommendation.id == RecommendationDeliverable.recommendation_id)
        .where(publication.recommendation_public(), publication.deliverable_public())
        .group_by(RecommendationDeliverable.recommendation_id).subquery())
    under_way, complete = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(per_recommendation.c.started > 0, per_recommendation.c.done < per_recommendation.c.total), 1),
            else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((per_recommendation.c.done == per_recommendation.c.total, 1),
                                             else_=0)), 0))).one()
    return int(under_way), int(complete)


def _progress_by_group() -> list[tuple[str, str, str, dict[str, int]]]:
    """Each group's public deliverables by completion: (slug, name_es, name_en, {level: count})."""
    level = completion_sql()
    counts: dict[int, dict[str, int]] = {}
    for group_id, key, n in db.session.execute(
            sa.select(Deliverable.group_id, level, sa.func.count()).where(publication.deliverable_public())
            .group_by(Deliverable.group_id, level)):
        counts.setdefault(group_id, {})[key] = int(n)
    return [(slug, name_es, name_en, {key: counts.get(group_id, {}).get(key, 0) for key in LEVELS})
            for group_id, slug, name_es, name_en in _groups()]


def _latest_changes() -> list[dict]:
    """The latest published changes, each with where its public page is."""
    latest = portal_changes.latest(LATEST_CHANGES)
    deliverable_ids = sorted({c.subject_id for c in latest if c.kind == "deliverable"})
    # A deliverable has no page: it shows on a published recommendation it carries out, else on its group's.
    # Asked even for no deliverable (an empty IN), so the page's query count never depends on the data.
    carried = (sa.select(sa.func.min(RecommendationDeliverable.recommendation_id))
               .join(Recommendation, Recommendation.id == RecommendationDeliverable.recommendation_id)
               .where(RecommendationDeliverable.deliverable_id == Deliverable.id, publication.recommendation_public())
               .scalar_subquery())
    targets = {deliverable_id: (recommendation_id, slug) for deliverable_id, recommendation_id, slug in
               db.session.execute(sa.select(Deliverable.id, carried, WorkingGroup.slug)
                                  .join(WorkingGroup, WorkingGroup.id == Deliverable.group_id)
                                  .where(Deliverable.id.in_(deliverable_ids)))}
    result = []
    for change in latest:
        entry = {"key": change.key, "at": change.at, "kind": change.kind, "subject_id": change.subject_id,
                 "title_es": change.title_es, "title_en": change.title_en, "action": change.action,
                 "state": change.state, "status": change.status, "progress": change.progress,
                 "recommendation_id": None, "group_slug": None}
        if change.kind == "deliverable":
            entry["recommendation_id"], entry["group_slug"] = targets.get(change.subject_id, (None, None))
        result.append(entry)
    return result


# --- members ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberFilters:
    sector: str | None = None
    state: str | None = None
    q: str = ""
    page: int = 1


def member_filters(args: MultiDict) -> MemberFilters:
    """The members page's filters from query arguments; an unknown value is ignored, never an error."""
    sector = args.get("sector")
    state = (args.get("state") or "").strip()
    state = state.upper() if state.upper() in STATES else ABROAD if state.lower() == ABROAD else None
    q = " ".join((args.get("q") or "").split())[:QUERY_MAX]
    page, _per_page = clamp(args.get("page"), MEMBERS_PER_PAGE, MEMBERS_PER_PAGE)
    return MemberFilters(sector=sector if sector in SECTORS else None, state=state, q=q, page=page)


def _name_matches(q: str):
    words = [fold(word) for word in q.split()][:10]
    if db.session.get_bind().dialect.name == "postgresql":
        folded = lambda column: sa.func.lower(sa.func.translate(column, _ACCENTED, _PLAIN))  # noqa: E731
    else:
        folded = lambda column: sa.func.coalition_fold(column)  # noqa: E731
    return sa.and_(*(sa.or_(folded(Institution.name).like(contains_pattern(word), escape="\\"),
                            folded(sa.func.coalesce(Institution.acronym, "")).like(contains_pattern(word), escape="\\"))
                     for word in words if word))


def members(args: MultiDict) -> dict:
    """Listed member institutions, filtered by sector, state and a search on name or acronym, a page at a time."""
    filters = member_filters(args)
    stmt = (sa.select(Institution.id, Institution.name, Institution.acronym, Institution.sector, Institution.state,
                      Institution.website)
            .where(publication.institution_listed()).order_by(Institution.name, Institution.id))
    if filters.sector:
        stmt = stmt.where(Institution.sector == filters.sector)
    if filters.state:
        stmt = stmt.where(Institution.state == filters.state)
    if filters.q:
        stmt = stmt.where(_name_matches(filters.q))
    # Counted first, so a page past the end shows the last one, in the same two queries as any other page.
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    number = min(filters.page, max(1, -(-total // MEMBERS_PER_PAGE)))
    rows = db.session.execute(stmt.limit(MEMBERS_PER_PAGE).offset((number - 1) * MEMBERS_PER_PAGE)).mappings()
    page = Page(items=[dict(row) for row in rows], page=number, per_page=MEMBERS_PER_PAGE, total=total)
    institutions = institution_counts()
    return {"filters": filters, "page": page, "institutions": institutions, "sectors": SECTORS,
            "states": STATES, "abroad": ABROAD, "map": member_map(institutions["by_state"]),
            "state_rows": state_rows(institutions["by_state"]),
            "sector_chart": sector_chart(institutions["by_sector"], "chart-member-sectors")}


# --- a working group -------------------------------------------------------------------------

def group(slug: str) -> dict:
    """A working group's published recommendations and public deliverables, its listed lead institutions
    and the sector balance of its listed institutions; NotFound for an unknown slug."""
    if not isinstance(slug, str) or not slug or len(slug) > SLUG_MAX:
        raise NotFound()
    item = db.session.execute(sa.select(WorkingGroup).where(WorkingGroup.slug == slug)).scalar_one_or_none()
    if item is None:
        raise NotFound()
    recommendations = list(db.session.execute(
        sa.select(Recommendation).where(Recommendation.group_id == item.id, publication.recommendation_public())
        .order_by(Recommendation.id)).scalars())
    levels: dict[int, list[str]] = {}
    if recommendations:
        for recommendation_id, level in db.session.execute(
                sa.select(RecommendationDeliverable.recommendation_id, completion_sql())
                .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
                .where(RecommendationDeliverable.recommendation_id.in_([r.id for r in recommendations]),
                       publication.deliverable_public())):
            levels.setdefault(recommendation_id, []).append(level)
    deliverables = list(db.session.execute(
        sa.select(Deliverable).where(Deliverable.group_id == item.id, publication.deliverable_public())
        .order_by(Deliverable.due_date, Deliverable.id)).scalars())
    leads = list(db.session.execute(
        sa.select(Institution.id, Institution.name, Institution.acronym, Institution.sector, Institution.state,
                  Institution.website)
        .join(group_lead_institutions, group_lead_institutions.c.institution_id == Institution.id)
        .where(group_lead_institutions.c.group_id == item.id, publication.institution_listed())
        .order_by(Institution.name)).mappings())
    balance = portal_cached(("group-balance", item.id), lambda: _sector_balance(item.id))
    return {"group": item, "recommendations": recommendations,
            "completions": {r.id: overall(levels.get(r.id, [])) for r in recommendations},
            "deliverables": deliverables, "leads": leads, "balance": balance,
            "balance_chart": sector_chart(balance, "chart-group-sectors", _("Sectors of the group's institutions")), "levels": LEVELS,
            "completion_labels": COMPLETIONS, "sectors": SECTORS}


def _sector_balance(group_id: int) -> dict[str, int]:
    """Listed institutions of the group's active members and its leads, by sector."""
    members_ = (sa.select(User.institution_id)
                .join(GroupMembership, GroupMembership.user_id == User.id)
                .where(GroupMembership.group_id == group_id, User.active.is_(True), User.institution_id.is_not(None)))
    leads = sa.select(group_lead_institutions.c.institution_id).where(group_lead_institutions.c.group_id == group_id)
    counts = dict(db.session.execute(
        sa.select(Institution.sector, sa.func.count())
        .where(publication.institution_listed(), sa.or_(Institution.id.in_(members_), Institution.id.in_(leads)))
        .group_by(Institution.sector)).all())
    return {key: int(counts.get(key, 0)) for key in SECTORS}
