"""The coalition's open data: published recommendations and public deliverables as CSV and JSON.

Only what is published is in a file: a recommendation a coordinator published, a deliverable marked
public and not archived, an institution that agreed to be listed. Ids are the database's, so they
stay the same from one download to the next. Each JSON file names its licence (config
OPEN_DATA_LICENSE, an SPDX id) and its JSON Schema (draft 2020-12, served beside it), and carries as
`generated_at` the instant the data version last grew: the file is byte for byte the same until
something changes. A file is a handful of queries whatever the number of items.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from coalition.consultations.models import MIN_CELL, Contribution
from coalition.dashboards import cache
from coalition.dashboards.tables import Table, to_csv
from coalition.deliverables.models import Deliverable, Milestone, STATUSES, deliverable_institutions
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.groups.models import WorkingGroup
from coalition.institutions.models import Institution
from coalition.portal import publication
from coalition.portal.completion import LEVELS, completion_sql, overall
from coalition.portal.http import absolute_url
from coalition.recommendations.models import (AREAS, HORIZONS, RECOMMENDATION_STATES, Recommendation,
                                              RecommendationDeliverable)
# The citations (direct or through a theme) that a trace counts: one definition, read here per recommendation.
from coalition.recommendations.reach import _links as contribution_links

NAMES = ("recommendations", "deliverables")
EXTENSIONS = ("csv", "json")
# Lists in a CSV cell (ids, institutions' names) are joined with this.
CSV_LIST_SEPARATOR = ";"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Licences the coalition may choose, by SPDX id: their names are proper names, not translated.
LICENSES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International",
                  "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication and License v1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/"),
}
DEFAULT_LICENSE = "CC-BY-4.0"

FILE_TITLES = {
    "recommendations": _l("Recommendations"),
    "deliverables": _l("Deliverables"),
}
FILE_DESCRIPTIONS = {
    "recommendations": _l("Every published recommendation: its area, horizon and state, its text and public "
                          "answer in Spanish and English, the deliverables that carry it out and its completion."),
    "deliverables": _l("Every public deliverable: its summary in Spanish and English, status, progress and "
                       "completion, dates, milestones, the recommendations it carries out and the listed "
                       "institutions behind it."),
}


def license_info(spdx_id: str | None = None) -> dict:
    """The licence as {"id", "name", "url"}: a known SPDX id with its name and address, anything else as given."""
    chosen = (spdx_id if spdx_id is not None else current_app.config.get("OPEN_DATA_LICENSE")) or DEFAULT_LICENSE
    name, url = LICENSES.get(chosen, (chosen, None))
    return {"id": chosen, "name": name, "url": url}


# --- the page ---------------------------------------------------------------------------------------

def page() -> dict:
    """What the open data page shows: each file, its schema, the licence, the items it holds."""
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Recommendation)
        .where(Recommendation.published.is_(True)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Deliverable).where(_deliverable_visible()).scalar_subquery(),
    )).one()
    files = [{"name": name, "title": FILE_TITLES[name], "description": FILE_DESCRIPTIONS[name], "items": n}
             for name, n in zip(NAMES, counts)]
    return {"files": files, "license": license_info(), "generated_at": _version_time()}


# --- the files --------------------------------------------------------------------------------------

def download(name: str, extension: str):
    """One file, as a response: `name` in NAMES, `extension` in EXTENSIONS; anything else NotFound."""
    if name not in NAMES or extension not in EXTENSIONS:
        raise NotFound()
    items = _recommendations() if name == "recommendations" else _deliverables()
    if extension == "json":
        document = {"license": license_info(), "generated_at": _iso(_version_time()),
                    "schema": schema_url(name), "items": items}
        body = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        return current_app.response_class(body, mimetype="application/json")
    fields = RECOMMENDATION_FIELDS if name == "recommendations" else DELIVERABLE_FIELDS
    headers = list(fields)
    rows = [[_csv_cell(item[field]) for field in headers] for item in items]
    response = current_app.response_class(to_csv(Table(name, headers, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _csv_cell(value):
    if isinstance(value, list):  # ids or names; milestones are counted
        if value and isinstance(value[0], dict):
            return len(value)
        return CSV_LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _version_time() -> datetime | None:
    found = cache.stamp()
    return found[1] if found else None


def _deliverable_visible():
    return publication.deliverable_public()


def _recommendations() -> list[dict]:
    """The published recommendations, by id: three queries whatever their number."""
    target = aliased(Recommendation)
    rows = db.session.execute(
        sa.select(Recommendation, WorkingGroup.slug, target.id)
        .join(WorkingGroup, WorkingGroup.id == Recommendation.group_id)
        .outerjoin(target, sa.and_(target.id == Recommendation.merged_into_id, target.published.is_(True)))
        .where(Recommendation.published.is_(True))
        .order_by(Recommendation.id)).all()
    carried: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for rec_id, deliverable_id, completion in db.session.execute(
            sa.select(RecommendationDeliverable.recommendation_id, Deliverable.id, completion_sql())
            .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
            .join(Recommendation, Recommendation.id == RecommendationDeliverable.recommendation_id)
            .where(_deliverable_visible(), Recommendation.published.is_(True))
            .order_by(RecommendationDeliverable.recommendation_id, Deliverable.id)):
        carried[rec_id].append((deliverable_id, completion))
    # The distinct visible contributions behind each: the same count as its trace's total.
    links = contribution_links()
    behind = dict(db.session.execute(
        sa.select(links.c.recommendation_id, sa.func.count(sa.distinct(links.c.contribution_id)))
        .join(Contribution, Contribution.id == links.c.contribution_id)
        .join(Recommendation, Recommendation.id == links.c.recommendation_id)
        .where(Contribution.hidden_at.is_(None), Recommendation.published.is_(True),
               Contribution.consultation_id.in_(publication.consultations_with_public_results()))
        .group_by(links.c.recommendation_id)).all())
    items = []
    for rec, group_slug, merged_into in rows:
        deliverables = carried.get(rec.id, [])
        items.append({
            "id": rec.id,
            "url": absolute_url("portal.recommendation", recommendation_id=rec.id, lang=None),
            "group": group_slug,
            "area": rec.area,
            "horizon": rec.horizon,
            "state": rec.state,
            "title_es": rec.title_es,
            "title_en": rec.title_en,
            "text_es": rec.text_es or "",
            "text_en": rec.text_en or "",
            "answer_es": rec.answer_es or "",
            "answer_en": rec.answer_en or "",
            "published_at": _iso(rec.published_at),
            "updated_at": _iso(rec.updated_at),
            "deliverables": [deliverable_id for deliverable_id, _level in deliverables],
            "completion": overall([level for _id, level in deliverables]),
            # The small-cell rule: under MIN_CELL people, no exact number.
            "contributions": behind[rec.id] if behind.get(rec.id, 0) >= MIN_CELL else None,
            "merged_into": merged_into,
        })
    return items


def _deliverables() -> list[dict]:
    """The public deliverables, by id: four queries whatever their number."""
    rows = db.session.execute(
        sa.select(Deliverable, WorkingGroup.slug, completion_sql())
        .join(WorkingGroup, WorkingGroup.id == Deliverable.group_id)
        .where(_deliverable_visible())
        .order_by(Deliverable.id)).all()
    recommendations: dict[int, list[int]] = defaultdict(list)
    for deliverable_id, rec_id in db.session.execute(
            sa.select(RecommendationDeliverable.deliverable_id, RecommendationDeliverable.recommendation_id)
            .join(Recommendation, Recommendation.id == RecommendationDeliverable.recommendation_id)
            .join(Deliverable, Deliverable.id == RecommendationDeliverable.deliverable_id)
            .where(Recommendation.published.is_(True), _deliverable_visible())
            .order_by(RecommendationDeliverable.deliverable_id, RecommendationDeliverable.recommendation_id)):
        recommendations[deliverable_id].append(rec_id)
    institutions: dict[int, list[str]] = defaultdict(list)
    link = deliverable_institutions.c
    for deliverable_id, name in db.session.execute(
            sa.select(link.deliverable_id, Institution.name)
            .join(Institution, Institution.id == link.institution_id)
            .join(Deliverable, Deliverable.id == link.deliverable_id)
            .where(publication.institution_listed(), _deliverable_visible())
            .order_by(link.deliverable_id, Institution.name)):
        institutions[deliverable_id].append(name)
    milestones: dict[int, list[dict]] = defaultdict(list)
    for deliverable_id, title, due_date, progress in db.session.execute(
            sa.select(Milestone.deliverable_id, Milestone.title, Milestone.due_date, Milestone.progress)
            .join(Deliverable, Deliverable.id == Milestone.deliverable_id)
            .where(_deliverable_visible())
            .order_by(Milestone.deliverable_id, Milestone.position, Milestone.id)):
        milestones[deliverable_id].append({"title": title, "due_date": _iso(due_date), "progress": progress})
    return [{
        "id": item.id,
        "group": group_slug,
        "title": item.title,
        "summary_es": item.public_summary_es or "",
        "summary_en": item.public_summary_en or "",
        "status": item.status,
        "progress": item.progress,
        "completion": completion,
        # The note says why a coordinator set the completion: none when it is derived.
        "completion_note": (item.completion_note or "") if item.completion_override else "",
        "start_date": _iso(item.start_date),
        "due_date": _iso(item.due_date),
        "last_updated": _iso(item.last_update_at),
        "recommendations": recommendations.get(item.id, []),
        "institutions": institutions.get(item.id, []),
        "milestones": milestones.get(item.id, []),
    } for item, group_slug, completion in rows]


# --- the schemas ------------------------------------------------------------------------------------

def _text(description: str) -> dict:
    return {"type": "string", "description": description}


_ID = {"type": "integer", "minimum": 1}
_INSTANT = {"type": ["string", "null"], "format": "date-time"}
_DAY = {"type": ["string", "null"], "format": "date"}
_COMPLETION = {"type": ["string", "null"], "enum": [*LEVELS, None]}

# Each field of an item: (title, its JSON Schema). The order is the CSV's columns.
RECOMMENDATION_FIELDS = {
    "id": ("Id", {**_ID, "description": "Stable identifier: a recommendation keeps it for good."}),
    "url": ("Public page", {"type": "string", "format": "uri",
                            "description": "The recommendation's page on the public portal."}),
    "group": ("Working group", {"type": "string", "description": "The slug of the working group that wrote it."}),
    "area": ("Area", {"type": "string", "enum": list(AREAS),
                      "description": "The area of the strategy it belongs to."}),
    "horizon": ("Horizon", {"type": "string", "enum": list(HORIZONS),
                            "description": "When it is meant to be carried out: short, medium or long term."}),
    "state": ("State", {"type": "string", "enum": list(RECOMMENDATION_STATES),
                        "description": "Where it stands: in consultation, adopted, merged into another, rejected."}),
    "title_es": ("Title (Spanish)", _text("Its title in Spanish.")),
    "title_en": ("Title (English)", _text("Its title in English.")),
    "text_es": ("Text (Spanish)", _text("Its full text in Spanish (Markdown).")),
    "text_en": ("Text (English)", _text("Its full text in English (Markdown).")),
    "answer_es": ("Public answer (Spanish)", _text("The coalition's answer to the people behind it, in Spanish: "
                                                   "why it was adopted, merged or rejected.")),
    "answer_en": ("Public answer (English)", _text("The same answer in English.")),
    "published_at": ("Published at", {**_INSTANT, "description": "When it was (last) published, in UTC."}),
    "updated_at": ("Updated at", {**_INSTANT, "description": "When it last changed, in UTC."}),
    "deliverables": ("Deliverables", {"type": "array", "items": _ID, "description":
                                      "Ids of the public deliverables that carry it out (in deliverables.json); "
                                      "in the CSV, joined with a semicolon."}),
    "completion": ("Completion", {**_COMPLETION, "description":
                                  "How far it has been carried out, from its public deliverables' completion "
                                  "(not_started, limited, substantial, complete); null when none carries it out."}),
    "contributions": ("Contributions", {"type": ["integer", "null"], "minimum": 5, "description":
                                        "How many contributions to consultations with published results "
                                        "stand behind it, cited directly or through a theme; null when "
                                        "fewer than 5 (no figure ever singles out a small group)."}),
    "merged_into": ("Merged into", {"type": ["integer", "null"], "minimum": 1, "description":
                                    "The id of the published recommendation it was merged into, if any."}),
}
DELIVERABLE_FIELDS = {
    "id": ("Id", {**_ID, "description": "Stable identifier: a deliverable keeps it for good."}),
    "group": ("Working group", {"type": "string",
                                "description": "The slug of the working group responsible for it."}),
    "title": ("Title", _text("Its title, as the working group wrote it.")),
    "summary_es": ("Summary (Spanish)", _text("Its summary for the public, in Spanish.")),
    "summary_en": ("Summary (English)", _text("Its summary for the public, in English.")),
    "status": ("Status", {"type": "string", "enum": list(STATUSES),
                          "description": "Its working status."}),
    "progress": ("Progress", {"type": "integer", "minimum": 0, "maximum": 100,
                              "description": "Its progress, in percent."}),
    "completion": ("Completion", {"type": "string", "enum": list(LEVELS), "description":
                                  "Its completion as OGP action plans rate commitments (not_started, limited, "
                                  "substantial, complete): derived from status and progress, unless a "
                                  "coordinator set it."}),
    "completion_note": ("Completion note", _text("Why a coordinator set the completion; empty when it is "
                                                 "derived from status and progress.")),
    "start_date": ("Start date", {**_DAY, "description": "When the work started."}),
    "due_date": ("Due date", {**_DAY, "description": "When it is due."}),
    "last_updated": ("Last updated", {**_INSTANT, "description": "When its progress was last recorded, in UTC."}),
    "recommendations": ("Recommendations", {"type": "array", "items": _ID, "description":
                                            "Ids of the published recommendations it carries out (in "
                                            "recommendations.json); in the CSV, joined with a semicolon."}),
    "institutions": ("Institutions", {"type": "array", "items": {"type": "string"}, "description":
                                      "Names of the listed member institutions that contribute to it; in the "
                                      "CSV, joined with a semicolon."}),
    "milestones": ("Milestones", {"type": "array", "description":
                                  "Its milestones in order; in the CSV, how many it has.", "items": {
                                      "type": "object", "additionalProperties": False,
                                      "required": ["title", "due_date", "progress"], "properties": {
                                          "title": {"title": "Title", **_text("The milestone's title.")},
                                          "due_date": {"title": "Due date", **_DAY,
                                                       "description": "When it is due, if set."},
                                          "progress": {"title": "Progress", "type": "integer", "minimum": 0,
                                                       "maximum": 100, "description": "Its progress, in percent."},
                                      }}}),
}
SCHEMA_TITLES = {
    "recommendations": ("The coalition's published recommendations",
                        "Every recommendation a coordinator has published, one item each, ordered by id."),
    "deliverables": ("The coalition's public deliverables",
                     "Every deliverable a coordinator has made public and that is not archived, one item each, "
                     "ordered by id."),
}


def schema_url(name: str) -> str:
    return absolute_url("portal.schema", name=name, lang=None)


def schema(name: str):
    """The JSON Schema (draft 2020-12) of `name`.json, as a response; anything else NotFound."""
    if name not in NAMES:
        raise NotFound()
    body = json.dumps(schema_document(name), ensure_ascii=False, indent=1) + "\n"
    return current_app.response_class(body, mimetype="application/schema+json")


def schema_document(name: str) -> dict:
    fields = RECOMMENDATION_FIELDS if name == "recommendations" else DELIVERABLE_FIELDS
    singular = name[:-1]
    title, description = SCHEMA_TITLES[name]
    item = {"type": "object", "title": singular.capitalize(), "additionalProperties": False,
            "required": list(fields),
            "properties": {field: {"title": label, **spec} for field, (label, spec) in fields.items()}}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_url(name),
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": ["license", "generated_at", "schema", "items"],
        "properties": {
            "license": {"$ref": "#/$defs/license"},
            "generated_at": {"title": "Generated at", **_INSTANT,
                             "description": "When the published data last changed, in UTC: the file is the "
                                            "same until then."},
            "schema": {"title": "Schema", "type": "string", "format": "uri",
                       "description": "The address of this schema."},
            "items": {"title": title, "type": "array", "items": {"$ref": f"#/$defs/{singular}"},
                      "description": "The items, ordered by id."},
        },
        "$defs": {
            "license": {
                "title": "Licence", "type": "object", "additionalProperties": False,
                "description": "The licence the data is published under.",
                "required": ["id", "name", "url"],
                "properties": {
                    "id": {"title": "SPDX id", "type": "string",
                           "description": "The licence's SPDX identifier, e.g. CC-BY-4.0."},
                    "name": {"title": "Name", "type": "string", "description": "The licence's name."},
                    "url": {"title": "Address", "type": ["string", "null"], "format": "uri",
                            "description": "Where its text is; null when the licence is not a known one."},
                },
            },
            singular: item,
        },
    }
