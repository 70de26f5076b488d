"""The agenda: draft, edit, decide on, publish, merge and split recommendations; their sources and deliverables.

Every change goes to the recommendation's history (RecommendationRevision) and to the audit log
(`recommendation.*`). Services flush; the view, API handler or task commits.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from coalition.audit import services as audit
from coalition.dashboards import cache as dashboard_cache
from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import Consultation, Contribution, Theme
from coalition.database import contains_pattern, utcnow
from coalition.deliverables.models import Deliverable
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import SLUG_MAX, WorkingGroup
from coalition.pagination import Page, paginate
from coalition.recommendations import notices, permissions
from coalition.recommendations.models import (
    ANSWER_MAX, ANSWER_REQUIRED, AREAS, DELIVERABLES_MAX, HISTORY_PAGE, HORIZONS, RECOMMENDATION_STATES, SOURCES_MAX, TEXT_MAX,
    THEME_SOURCES_MAX, TITLE_MAX, Recommendation, RecommendationDeliverable, RecommendationRevision,
    RecommendationSplit, SourceContribution, SourceTheme)
from coalition.validation import QUERY_MAX, check_text, is_id

CONTENT_FIELDS = ("area", "horizon", "title_es", "title_en", "text_es", "text_en")
DECISION_FIELDS = ("state", "answer_es", "answer_en", "published")
# A split gives rise to at most this many recommendations at once.
SPLIT_MAX = 20


# --- reading ---------------------------------------------------------------------------------

@dataclass
class RecommendationFilters:
    group: str | None = None
    area: str | None = None
    horizon: str | None = None
    state: str | None = None
    published: bool | None = None
    q: str | None = None


def _check_filters(filters: RecommendationFilters) -> None:
    errors: dict = {}
    if filters.group is not None and (not isinstance(filters.group, str) or len(filters.group) > SLUG_MAX):
        errors["group"] = [_l("Unknown working group.")]
    for name, choices in (("area", AREAS), ("horizon", HORIZONS), ("state", RECOMMENDATION_STATES)):
        value = getattr(filters, name)
        if value is not None and value not in choices:
            errors[name] = [_l("Choose one of: %(choices)s.", choices=", ".join(choices))]
    if filters.published is not None and not isinstance(filters.published, bool):
        errors["published"] = [_l("Must be true or false.")]
    if filters.q is not None and (not isinstance(filters.q, str) or len(filters.q) > QUERY_MAX):
        errors["q"] = [_l("At most %(n)s characters.", n=QUERY_MAX)]
    if errors:
        raise ValidationError(fields=errors)


def _filtered(stmt: sa.Select, filters: RecommendationFilters, *, skip=()) -> sa.Select:
    if filters.group:
        stmt = stmt.where(Recommendation.group_id.in_(
            sa.select(WorkingGroup.id).where(WorkingGroup.slug == filters.group)))
    for name in ("area", "horizon", "state"):
        value = getattr(filters, name)
        if value and name not in skip:
            stmt = stmt.where(getattr(Recommendation, name) == value)
    if filters.published is not None:
        stmt = stmt.where(Recommendation.published.is_(filters.published))
    if filters.q and filters.q.strip():
        pattern = contains_pattern(filters.q.strip())
        stmt = stmt.where(sa.or_(*(getattr(Recommendation, column).ilike(pattern, escape="\\")
                                   for column in ("title_es", "title_en", "text_es", "text_en"))))
    return stmt


def list_recommendations(actor, filters: RecommendationFilters, page: int = 1, per_page: int = 25) -> Page:
    """The recommendations the filters select, by group, area, horizon and id."""
    require_actor(actor)
    _check_filters(filters)
    stmt = _filtered(sa.select(Recommendation).options(joinedload(Recommendation.group)), filters)
    stmt = stmt.join(WorkingGroup, WorkingGroup.id == Recommendation.group_id).order_by(
        WorkingGroup.position, Recommendation.area, Recommendation.horizon, Recommendation.id)
    return paginate(stmt, page, per_page)


def grid_counts(actor, filters: RecommendationFilters) -> dict[tuple[str, str], int]:
    """{(area, horizon): count} over the filters (except area and horizon themselves), in one query."""
    require_actor(actor)
    _check_filters(filters)
    stmt = _filtered(sa.select(Recommendation.area, Recommendation.horizon, sa.func.count()), filters,
                     skip=("area", "horizon"))
    rows = db.session.execute(stmt.group_by(Recommendation.area, Recommendation.horizon)).all()
    return {(area, horizon): n for area, horizon, n in rows}


def all_groups() -> list[WorkingGroup]:
    return list(db.session.execute(sa.select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id)).scalars())


def editable_groups(actor) -> list[WorkingGroup]:
    """The groups whose recommendations the actor may draft."""
    return [g for g in all_groups() if permissions.can_edit(actor, g.id)]


def get_recommendation(actor, recommendation_id, *, for_update: bool = False) -> Recommendation:
    require_actor(actor)
    if not is_id(recommendation_id):
        raise NotFound()
    stmt = (sa.select(Recommendation).where(Recommendation.id == recommendation_id)
            .options(joinedload(Recommendation.group), joinedload(Recommendation.merged_into),
                     joinedload(Recommendation.published_by)))
    if for_update:
        stmt = stmt.with_for_update(of=Recommendation)
    recommendation = db.session.execute(stmt).unique().scalar_one_or_none()
    if recommendation is None:
        raise NotFound()
    return recommendation


def can_edit(actor, recommendation: Recommendation) -> bool:
    """Whether pages should offer the actor the controls that edit this recommendation."""
    return (actor is not None and actor.is_authenticated
            and permissions.can_edit(actor, recommendation.group_id))


def can_decide(actor) -> bool:
    return actor is not None and actor.is_authenticated and permissions.can_decide(actor)


def source_ids(recommendation_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """{recommendation id: {"contributions": [ids], "themes": [ids]}} in two queries."""
    result = {rid: {"contributions": [], "themes": []} for rid in recommendation_ids}
    if not recommendation_ids:
        return result
    for rid, cid in db.session.execute(
            sa.select(SourceContribution.recommendation_id, SourceContribution.contribution_id)
            .where(SourceContribution.recommendation_id.in_(recommendation_ids))
            # In the primary key's order, so the planner walks that index (not every citation by contribution).
            .order_by(SourceContribution.recommendation_id, SourceContribution.contribution_id)):
        result[rid]["contributions"].append(cid)
    for rid, tid in db.session.execute(
            sa.select(SourceTheme.recommendation_id, SourceTheme.theme_id)
            .where(SourceTheme.recommendation_id.in_(recommendation_ids))
            .order_by(SourceTheme.recommendation_id, SourceTheme.theme_id)):
        result[rid]["themes"].append(tid)
    return result


def deliverable_ids(recommendation_ids: list[int]) -> dict[int, list[int]]:
    """{recommendation id: [ids of its deliverables not archived]} in one query."""
    result: dict[int, list[int]] = {rid: [] for rid in recommendation_ids}
    if not recommendation_ids:
        return result
    for rid, did in db.session.execute(
            sa.select(RecommendationDeliverable.recommendation_id, RecommendationDeliverable.deliverable_id)
            .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
            .where(RecommendationDeliverable.recommendation_id.in_(recommendation_ids),
                   Deliverable.archived_at.is_(None))
            .order_by(RecommendationDeliverable.deliverable_id)):
        result[rid].append(did)
    return result


def deliverables_of(recommendation: Recommendation) -> list[Deliverable]:
    """The deliverables carrying the recommendation out (archived ones left out), with their progress."""
    return list(db.session.execute(
        sa.select(Deliverable).join(RecommendationDeliverable,
                                    RecommendationDeliverable.deliverable_id == Deliverable.id)
        .where(RecommendationDeliverable.recommendation_id == recommendation.id, Deliverable.archived_at.is_(None))
        .options(joinedload(Deliverable.group)).order_by(Deliverable.due_date, Deliverable.id)).scalars())


def carried_out_by(deliverable_id: int) -> list[Recommendation]:
    """The recommendations a deliverable carries out (for the deliverable's page)."""
    return list(db.session.execute(
        sa.select(Recommendation).join(RecommendationDeliverable,
                                       RecommendationDeliverable.recommendation_id == Recommendation.id)
        .where(RecommendationDeliverable.deliverable_id == deliverable_id).order_by(Recommendation.id)).scalars())


def themes_of(recommendation: Recommendation) -> list[Theme]:
    return list(db.session.execute(
        sa.select(Theme).join(SourceTheme, SourceTheme.theme_id == Theme.id)
        .where(SourceTheme.recommendation_id == recommendation.id)
        .options(joinedload(Theme.consultation)).order_by(Theme.consultation_id, Theme.name_es)).scalars())


@dataclass
class Related:
    merged_into: Recommendation | None
    absorbed: list[Recommendation]
    split_from: list[Recommendation]
    split_into: list[Recommendation]


def related(recommendation: Recommendation) -> Related:
    """Merges and splits, read both ways (two queries)."""
    absorbed = list(db.session.execute(
        sa.select(Recommendation).where(Recommendation.merged_into_id == recommendation.id)
        .order_by(Recommendation.id)).scalars())
    parent, child = sa.orm.aliased(RecommendationSplit), sa.orm.aliased(RecommendationSplit)
    rows = db.session.execute(
        sa.select(Recommendation, sa.case((Recommendation.id.in_(
            sa.select(parent.parent_id).where(parent.child_id == recommendation.id)), "parent"), else_="child"))
        .where(sa.or_(Recommendation.id.in_(sa.select(parent.parent_id).where(parent.child_id == recommendation.id)),
                      Recommendation.id.in_(sa.select(child.child_id).where(child.parent_id == recommendation.id))))
        .order_by(Recommendation.id)).all()
    return Related(merged_into=recommendation.merged_into, absorbed=absorbed,
                   split_from=[r for r, kind in rows if kind == "parent"],
                   split_into=[r for r, kind in rows if kind == "child"])


def history(recommendation: Recommendation, page: int = 1, per_page: int = HISTORY_PAGE) -> Page:
    """Its changes, newest first, with who made them, a page at a time."""
    return paginate(
        sa.select(RecommendationRevision).where(RecommendationRevision.recommendation_id == recommendation.id)
        .options(joinedload(RecommendationRevision.actor))
        .order_by(RecommendationRevision.id.desc()), page, per_page)


def themes_for_picking(consultation_slug: str | None = None) -> list[Theme]:
    """Themes to choose sources from: one consultation's, or every consultation's."""
    stmt = sa.select(Theme).options(joinedload(Theme.consultation)).order_by(Theme.consultation_id, Theme.name_es)
    if consultation_slug:
        stmt = stmt.where(Theme.consultation_id.in_(
            sa.select(Consultation.id).where(Consultation.slug == consultation_slug)))
    return list(db.session.execute(stmt.limit(THEME_SOURCES_MAX * 5)).scalars())


def deliverables_for_linking(recommendation: Recommendation, limit: int = 500) -> list[Deliverable]:
    """Deliverables not archived nor linked yet, the recommendation's group first."""
    linked = sa.select(RecommendationDeliverable.deliverable_id).where(
        RecommendationDeliverable.recommendation_id == recommendation.id)
    return list(db.session.execute(
        sa.select(Deliverable).where(Deliverable.archived_at.is_(None), ~Deliverable.id.in_(linked))
        .order_by(sa.case((Deliverable.group_id == recommendation.group_id, 0), else_=1), Deliverable.title,
                  Deliverable.id).limit(limit)).scalars())


def merge_targets(recommendation: Recommendation, limit: int = 500) -> list[Recommendation]:
    """Recommendations this one may be merged into: any other that is not merged itself."""
    return list(db.session.execute(
        sa.select(Recommendation).where(Recommendation.id != recommendation.id, Recommendation.state != "merged")
        .order_by(sa.case((Recommendation.group_id == recommendation.group_id, 0), else_=1), Recommendation.id)
        .limit(limit)).scalars())


# --- validation ------------------------------------------------------------------------------

def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_content(values: dict, errors: dict) -> None:
    if values.get("area") not in AREAS:
        errors["area"] = [_l("Choose one of: %(choices)s.", choices=", ".join(AREAS))]
    if values.get("horizon") not in HORIZONS:
        errors["horizon"] = [_l("Choose one of: %(choices)s.", choices=", ".join(HORIZONS))]
    check_text(values.get("title_es"), "title_es", TITLE_MAX, errors)
    check_text(values.get("title_en"), "title_en", TITLE_MAX, errors)
    check_text(values.get("text_es"), "text_es", TEXT_MAX, errors)
    check_text(values.get("text_en"), "text_en", TEXT_MAX, errors)
    titles = [values.get(name) for name in ("title_es", "title_en")]
    if not any(isinstance(t, str) and t.strip() for t in titles) and "title_es" not in errors:
        errors["title_es"] = [_l("Give a title in Spanish or English.")]


def _fill_languages(values: dict) -> dict:
    """A title or text given in one language only stands for both."""
    for base in ("title", "text", "answer"):
        es, en = f"{base}_es", f"{base}_en"
        if es in values or en in values:
            a, b = _normalise(values.get(es) or ""), _normalise(values.get(en) or "")
            values[es], values[en] = a or b, b or a
    return values


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict() from None


def _record(actor, recommendation: Recommendation, action: str, changes: dict) -> None:
    """Keep the change in the recommendation's history and in the audit log."""
    plain = {key: audit._plain(value) for key, value in changes.items()}
    db.session.add(RecommendationRevision(recommendation_id=recommendation.id, actor_id=getattr(actor, "id", None),
                                          action=action, changes=plain))
    audit.record(actor, f"recommendation.{action}", recommendation, plain)


def _check_version(recommendation: Recommendation, version) -> None:
    if version is None:
        return
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError(fields={"version": [_l("The version you edited is required.")]})
    if version != recommendation.version:
        raise Conflict(current=recommendation)


def _ids(values, field: str, limit: int, errors: dict) -> list[int] | None:
    if values is None:
        return None
    if not isinstance(values, (list, tuple, set)) or not all(is_id(v) for v in values):
        errors[field] = [_l("Give a list of ids.")]
        return None
    unique = sorted(set(values))
    if len(unique) > limit:
        errors[field] = [_l("At most %(n)s.", n=limit)]
        return None
    return unique


def _check_sources(contributions, themes, errors: dict) -> tuple[list[int] | None, list[int] | None]:
    """Validated, de-duplicated source ids; hidden or unknown contributions and unknown themes are refused."""
    contributions = _ids(contributions, "contributions", SOURCES_MAX, errors)
    themes = _ids(themes, "themes", THEME_SOURCES_MAX, errors)
    if contributions:
        found = dict(db.session.execute(
            sa.select(Contribution.id, Contribution.hidden_at).where(Contribution.id.in_(contributions))).all())
        missing = [c for c in contributions if c not in found]
        hidden = [c for c in contributions if c in found and found[c] is not None]
        if missing:
            errors["contributions"] = [_l("No contribution has the id %(ids)s.",
                                          ids=", ".join(map(str, missing[:10])))]
        elif hidden:
            errors["contributions"] = [_l("Hidden contributions cannot be sources: %(ids)s.",
                                          ids=", ".join(map(str, hidden[:10])))]
    if themes:
        found_themes = set(db.session.execute(sa.select(Theme.id).where(Theme.id.in_(themes))).scalars())
        missing = [t for t in themes if t not in found_themes]
        if missing:
            errors["themes"] = [_l("No theme has the id %(ids)s.", ids=", ".join(map(str, missing[:10])))]
    return contributions, themes


def _replace_sources(actor, recommendation: Recommendation, contributions: list[int] | None,
                     themes: list[int] | None) -> dict:
    """Make the recommendation's sources exactly these (None leaves that kind as it is); return the changes."""
    changes: dict = {}
    current = source_ids([recommendation.id])[recommendation.id]
    for kind, wanted, model, column in (("contributions", contributions, SourceContribution, "contribution_id"),
                                        ("themes", themes, SourceTheme, "theme_id")):
        if wanted is None:
            continue
        before = set(current[kind])
        added, removed = sorted(set(wanted) - before), sorted(before - set(wanted))
        if removed:
            db.session.execute(sa.delete(model).where(model.recommendation_id == recommendation.id,
                                                      getattr(model, column).in_(removed)))
            dashboard_cache.bump()  # a Core delete passes no flush hook: traces read these rows
        for source_id in added:
            db.session.add(model(recommendation_id=recommendation.id, added_by_id=getattr(actor, "id", None),
                                 **{column: source_id}))
        if added or removed:
            changes[kind] = {"added": added, "removed": removed}
    return changes


# --- creating and editing ----------------------------------------------------------------------

def create_recommendation(actor, group: WorkingGroup, *, area: str, horizon: str, title_es: str = "",
                          title_en: str = "", text_es: str = "", text_en: str = "", contributions=None,
                          themes=None) -> Recommendation:
    """Draft a recommendation of the group, optionally standing on contributions and themes."""
    require_actor(actor)
    if not isinstance(group, WorkingGroup):
        raise NotFound()
    require(permissions.can_edit(actor, group.id))
    values = {"area": area, "horizon": horizon, "title_es": title_es, "title_en": title_en,
              "text_es": text_es, "text_en": text_en}
    errors: dict = {}
    _check_content(values, errors)
    contributions, themes = _check_sources(contributions, themes, errors)
    if errors:
        raise ValidationError(fields=errors)
    recommendation = Recommendation(group_id=group.id, created_by_id=actor.id, state="draft",
                                    **_fill_languages(values))
    db.session.add(recommendation)
    db.session.flush()
    sources = _replace_sources(actor, recommendation, contributions or [], themes or [])
    _record(actor, recommendation, "create", {"group": group.slug, **{k: getattr(recommendation, k) for k in
                                                                         CONTENT_FIELDS}, **sources})
    db.session.flush()
    return recommendation


def update_recommendation(actor, recommendation_id, *, version=None, group: WorkingGroup | None = None,
                          contributions=None, themes=None, **values) -> Recommendation:
    """Change any of the text, area, horizon, group, sources, state, answer and publication.

    Leads of the group change the text and sources and move it between draft and in consultation;
    only coordinators adopt, reject, publish and write the public answer. A stale `version` is a
    conflict. Publishing an answer (or changing a published one) tells the contributors behind it.
    """
    require_actor(actor)
    recommendation = get_recommendation(actor, recommendation_id, for_update=True)
    require(permissions.can_edit(actor, recommendation.group_id) or permissions.can_decide(actor))
    unknown = set(values) - set(CONTENT_FIELDS) - set(DECISION_FIELDS)
    if unknown:
        raise ValidationError(fields={name: [_l("Unknown field.")] for name in sorted(unknown)})
    content = {k: v for k, v in values.items() if k in CONTENT_FIELDS}
    decision = {k: v for k, v in values.items() if k in DECISION_FIELDS}
    if content or group is not None or contributions is not None or themes is not None:
        require(permissions.can_edit(actor, recommendation.group_id))
    if group is not None and group.id != recommendation.group_id:
        require(permissions.can_edit(actor, group.id))
    answer_changing = any(k in decision and decision[k] != getattr(recommendation, k)
                          for k in ("answer_es", "answer_en"))
    state = decision.get("state", recommendation.state)
    if ((state != recommendation.state and (state in permissions.DECISION_STATES
                                            or recommendation.state in permissions.DECISION_STATES))
            or answer_changing
            or ("published" in decision and decision["published"] != recommendation.published)):
        require(permissions.can_decide(actor))

    errors: dict = {}
    merged = {name: getattr(recommendation, name) for name in CONTENT_FIELDS}
    merged.update(content)
    if content:
        _check_content(merged, errors)
    if state not in RECOMMENDATION_STATES:
        errors["state"] = [_l("Choose one of: %(choices)s.", choices=", ".join(RECOMMENDATION_STATES))]
    elif state == "merged" and recommendation.state != "merged":
        errors["state"] = [_l("To merge it, choose the recommendation that absorbs it.")]
    elif recommendation.state == "merged" and state != "merged":
        errors["state"] = [_l("A merged recommendation stays merged.")]
    check_text(decision.get("answer_es"), "answer_es", ANSWER_MAX, errors)
    check_text(decision.get("answer_en"), "answer_en", ANSWER_MAX, errors)
    if "published" in decision and not isinstance(decision["published"], bool):
        errors["published"] = [_l("Must be true or false.")]
    new_sources = _check_sources(contributions, themes, errors)
    if errors:
        raise ValidationError(fields=errors)
    _check_version(recommendation, version)

    answers = {}
    if "answer_es" in decision or "answer_en" in decision:
        answers = _fill_languages({"answer_es": decision.get("answer_es", recommendation.answer_es),
                                   "answer_en": decision.get("answer_en", recommendation.answer_en)})
    if state in ANSWER_REQUIRED and not ((answers.get("answer_es", recommendation.answer_es) or "").strip()
                                         or (answers.get("answer_en", recommendation.answer_en) or "").strip()):
        raise ValidationError(fields={"answer_es": [_l("A merged or rejected recommendation needs a public "
                                                       "answer saying why.")]})
    was_published, old_state = recommendation.published, recommendation.state
    old_answer = (recommendation.answer_es, recommendation.answer_en)
    new_values = {**(_fill_languages(merged) if content else {}), **answers, "state": state}
    if group is not None:
        new_values["group_id"] = group.id
    changes = audit.diff(recommendation, new_values)
    if "published" in decision and decision["published"] != was_published:
        recommendation.published = decision["published"]
        recommendation.published_at = utcnow() if decision["published"] else None
        recommendation.published_by_id = actor.id if decision["published"] else None
        changes["published"] = [was_published, decision["published"]]
    changes.update(_replace_sources(actor, recommendation, *new_sources))
    if not changes:
        return recommendation
    action = ("publish" if changes.get("published") == [False, True] else
              "unpublish" if changes.get("published") == [True, False] else
              "state" if "state" in changes else
              "answer" if answer_changing else
              "sources" if set(changes) <= {"contributions", "themes"} else "edit")
    _record(actor, recommendation, action, changes)
    _flush()
    _maybe_notify(recommendation, was_published, old_state, old_answer)
    return recommendation


def _maybe_notify(recommendation: Recommendation, was_published: bool, old_state: str, old_answer: tuple) -> int:
    """Tell the people behind a published answer: when it is first published, when the decision or the
    answer changes, or when new people come to stand behind it (the dedupe key skips anyone already told
    this very answer, so calling it after any change is safe)."""
    if not notices.is_announced(recommendation):
        return 0
    answer_now = (recommendation.answer_es, recommendation.answer_en)
    if not was_published or old_answer != answer_now or (
            (old_state in notices.DECISIONS or recommendation.state in notices.DECISIONS)
            and old_state != recommendation.state):
        recommendation.answer_revision += 1  # one more distinct answer announced
        _flush()
    return notices.queue_consultation_updates(recommendation)


# --- merging and splitting ---------------------------------------------------------------------

def merge(actor, recommendation_id, into_id, *, answer_es: str = "", answer_en: str = "",
          version=None) -> Recommendation:
    """Merge a recommendation into another: the other gains its sources; it points to the other."""
    require_actor(actor)
    require(permissions.can_decide(actor))
    recommendation = get_recommendation(actor, recommendation_id, for_update=True)
    errors: dict = {}
    check_text(answer_es, "answer_es", ANSWER_MAX, errors)
    check_text(answer_en, "answer_en", ANSWER_MAX, errors)
    target = None
    if not is_id(into_id) or into_id == recommendation.id:
        errors["into"] = [_l("Choose another recommendation.")]
    else:
        target = db.session.execute(sa.select(Recommendation).where(Recommendation.id == into_id)
                                    .with_for_update()).scalar_one_or_none()
        if target is None:
            errors["into"] = [_l("No recommendation has that id.")]
        elif target.state == "merged":
            errors["into"] = [_l("That recommendation is merged itself; choose the one it was merged into.")]
    if recommendation.state == "merged":
        errors["into"] = [_l("This recommendation is already merged.")]
    if not errors and not ((answer_es or "").strip() or (answer_en or "").strip()):
        errors["answer_es"] = [_l("A merged or rejected recommendation needs a public answer saying why.")]
    if errors:
        raise ValidationError(fields=errors)
    _check_version(recommendation, version)
    # Both keep standing on everything: the target gains the merged one's sources.
    mine = source_ids([recommendation.id, target.id])
    added_contributions = sorted(set(mine[recommendation.id]["contributions"]) - set(mine[target.id]["contributions"]))
    added_themes = sorted(set(mine[recommendation.id]["themes"]) - set(mine[target.id]["themes"]))
    for cid in added_contributions:
        db.session.add(SourceContribution(recommendation_id=target.id, contribution_id=cid, added_by_id=actor.id))
    for tid in added_themes:
        db.session.add(SourceTheme(recommendation_id=target.id, theme_id=tid, added_by_id=actor.id))
    was_published, old_state = recommendation.published, recommendation.state
    old_answer = (recommendation.answer_es, recommendation.answer_en)
    answers = _fill_languages({"answer_es": answer_es, "answer_en": answer_en})
    changes = audit.diff(recommendation, {"state": "merged", "merged_into_id": target.id, **answers})
    _record(actor, recommendation, "merge", changes)
    _record(actor, target, "absorb", {"absorbed": recommendation.id, "contributions": added_contributions,
                                      "themes": added_themes})
    _flush()
    _maybe_notify(recommendation, was_published, old_state, old_answer)
    notices.queue_consultation_updates(target)  # the people it gained, if its answer is out already
    return recommendation


def split(actor, recommendation_id, parts: list[dict]) -> list[Recommendation]:
    """Give rise to several recommendations from one: each part a new draft of the same group, standing on
    the same sources; the split is recorded both ways."""
    require_actor(actor)
    recommendation = get_recommendation(actor, recommendation_id, for_update=True)
    require(permissions.can_edit(actor, recommendation.group_id))
    if not isinstance(parts, list) or not 1 <= len(parts) <= SPLIT_MAX:
        raise ValidationError(fields={"parts": [_l("Give from 1 to %(n)s new recommendations.", n=SPLIT_MAX)]})
    prepared = []
    for part in parts:
        if not isinstance(part, dict):
            raise ValidationError(fields={"parts": [_l("Give a title for each new recommendation.")]})
        values = {"area": part.get("area", recommendation.area), "horizon": part.get("horizon",
                                                                                      recommendation.horizon),
                  "title_es": part.get("title_es", ""), "title_en": part.get("title_en", ""),
                  "text_es": part.get("text_es", ""), "text_en": part.get("text_en", "")}
        errors: dict = {}
        _check_content(values, errors)
        if errors:
            raise ValidationError(fields={"parts": [m for ms in errors.values() for m in ms]})
        prepared.append(_fill_languages(values))
    sources = source_ids([recommendation.id])[recommendation.id]
    children = []
    for values in prepared:
        child = Recommendation(group_id=recommendation.group_id, created_by_id=actor.id, state="draft", **values)
        db.session.add(child)
        db.session.flush()
        db.session.add(RecommendationSplit(parent_id=recommendation.id, child_id=child.id))
        _replace_sources(actor, child, sources["contributions"], sources["themes"])
        _record(actor, child, "create", {"split_from": recommendation.id, **values})
        children.append(child)
    _record(actor, recommendation, "split", {"into": [c.id for c in children]})
    _flush()
    return children


# --- deliverables ----------------------------------------------------------------------------

def link_deliverable(actor, recommendation_id, deliverable_id) -> Recommendation:
    """Record that a deliverable carries the recommendation out."""
    require_actor(actor)
    recommendation = get_recommendation(actor, recommendation_id, for_update=True)
    require(permissions.can_edit(actor, recommendation.group_id))
    deliverable = db.session.get(Deliverable, deliverable_id) if is_id(deliverable_id) else None
    if deliverable is None or deliverable.archived_at is not None:
        raise ValidationError(fields={"deliverable_id": [_l("No deliverable has that id.")]})
    current = deliverable_ids([recommendation.id])[recommendation.id]
    if deliverable.id in current:
        return recommendation
    if len(current) >= DELIVERABLES_MAX:
        raise ValidationError(fields={"deliverable_id": [_l("At most %(n)s.", n=DELIVERABLES_MAX)]})
    exists = db.session.get(RecommendationDeliverable, (recommendation.id, deliverable.id))
    if exists is None:
        db.session.add(RecommendationDeliverable(recommendation_id=recommendation.id, deliverable_id=deliverable.id))
    _record(actor, recommendation, "deliverable_link", {"deliverable_id": deliverable.id})
    _flush()
    return recommendation


def unlink_deliverable(actor, recommendation_id, deliverable_id) -> Recommendation:
    require_actor(actor)
    recommendation = get_recommendation(actor, recommendation_id, for_update=True)
    require(permissions.can_edit(actor, recommendation.group_id))
    row = db.session.get(RecommendationDeliverable, (recommendation.id, deliverable_id)) \
        if is_id(deliverable_id) else None
    if row is None:
        raise NotFound()
    db.session.delete(row)
    _record(actor, recommendation, "deliverable_unlink", {"deliverable_id": deliverable_id})
    _flush()
    return recommendation

