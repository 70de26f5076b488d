"""Member institutions: search them, read one with its people and groups, create and edit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.audit import services as audit
from coalition.audit.models import AuditEntry
from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.database import DuplicateKey, coalition_today, contains_pattern, unique_key, utcnow
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions import permissions
from coalition.institutions.models import (
    ABROAD, ACRONYM_MAX, COUNTRY_MAX, DESCRIPTION_MAX, NAME_MAX, SECTORS, STATES, WEBSITE_MAX, Institution)
from coalition.pagination import Page, paginate
from coalition.validation import is_id

NAME_TAKEN = _l("An institution with this name already exists.")
FIELDS = ("name", "acronym", "sector", "state", "country", "website", "joined_on", "active", "description")


@dataclass
class InstitutionFilters:
    q: str | None = None
    sector: str | None = None
    state: str | None = None
    active: bool | None = None


def list_institutions(actor, filters: InstitutionFilters, page: int, per_page: int) -> Page:
    require_actor(actor)
    stmt = sa.select(Institution).order_by(Institution.name, Institution.id)
    if filters.q:
        like = contains_pattern(filters.q)
        stmt = stmt.where(Institution.name.ilike(like, escape="\\") | Institution.acronym.ilike(like, escape="\\"))
    if filters.sector:
        stmt = stmt.where(Institution.sector == filters.sector)
    if filters.state:
        stmt = stmt.where(Institution.state == filters.state)
    if filters.active is not None:
        stmt = stmt.where(Institution.active.is_(filters.active))
    return paginate(stmt, page, per_page)


def get_institution(actor, institution_id: int) -> Institution:
    require_actor(actor)
    if not is_id(institution_id):
        raise NotFound()
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        raise NotFound()
    return institution


def people_of(institution: Institution) -> list[User]:
    return list(db.session.execute(
        sa.select(User).where(User.institution_id == institution.id, User.active.is_(True)).order_by(User.name)
    ).scalars())


def groups_of(institution: Institution) -> list[tuple[WorkingGroup, int, bool]]:
    """Groups the institution takes part in: (group, people in it, whether it leads it)."""
    from coalition.groups.models import group_lead_institutions as leads

    return [tuple(row) for row in db.session.execute(
        sa.select(WorkingGroup, sa.func.count(GroupMembership.id),
                  sa.exists().where(leads.c.group_id == WorkingGroup.id,
                                    leads.c.institution_id == institution.id))
        .join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .join(User, User.id == GroupMembership.user_id)
        .where(User.institution_id == institution.id)
        .group_by(WorkingGroup.id)
        .order_by(WorkingGroup.position)
    ).all()]


def institution_choices() -> list[tuple[int, str]]:
    return [(i, name) for i, name in db.session.execute(
        sa.select(Institution.id, Institution.name).order_by(Institution.name)).all()]


def _validate(values: dict, current: Institution | None, *, unique_name: bool = True) -> dict:
    errors: dict = {}
    clean: dict = {}
    unknown = set(values) - set(FIELDS)
    for name in sorted(unknown):
        errors[name] = [_l("Unknown field.")]
    name = values.get("name", current.name if current else None)
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [_l("This field is required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_l("At most %(n)s characters.", n=NAME_MAX)]
    else:
        clean["name"] = " ".join(name.split())
        # SQLite's lower() folds ASCII only: the exact name is looked for too.
        duplicate = db.session.execute(
            sa.select(Institution.id).where((sa.func.lower(Institution.name) == clean["name"].lower())
                                            | (Institution.name == clean["name"])).limit(1)
            .where(Institution.id != current.id if current is not None else sa.true())
        ).scalar_one_or_none() if unique_name else None
        if duplicate is not None:
            errors["name"] = [NAME_TAKEN]
    for field, limit in (("acronym", ACRONYM_MAX), ("country", COUNTRY_MAX), ("website", WEBSITE_MAX),
                         ("description", DESCRIPTION_MAX)):
        if field in values or current is None:
            value = values.get(field)
            if value is None or value == "":
                clean[field] = "" if field == "description" else None
            elif not isinstance(value, str):
                errors[field] = [_l("Must be text.")]
            elif len(value) > limit:
                errors[field] = [_l("At most %(n)s characters.", n=limit)]
            else:
                clean[field] = value.strip()
    website = clean.get("website")
    if website:
        try:
            parts = urlsplit(website)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            valid = False
        if not valid:
            errors["website"] = [_l("Give a full web address starting with https://")]
    sector = values.get("sector", current.sector if current else None)
    if sector not in SECTORS:
        errors["sector"] = [_l("Choose a sector.")]
    else:
        clean["sector"] = sector
    state = values.get("state", current.state if current else None)
    if state not in STATES and state != ABROAD:
        errors["state"] = [_l("Choose a state of Mexico, or abroad.")]
    else:
        clean["state"] = state
        country = clean.get("country", current.country if current else None)
        if state == ABROAD and not country:
            errors["country"] = [_l("Say which country, for an institution abroad.")]
        if state != ABROAD:
            clean["country"] = None
    if "joined_on" in values or current is None:
        joined = values.get("joined_on") or coalition_today()
        if not isinstance(joined, date):
            errors["joined_on"] = [_l("Give a date as YYYY-MM-DD.")]
        else:
            clean["joined_on"] = joined
    if "active" in values:
        if not isinstance(values["active"], bool):
            errors["active"] = [_l("Must be true or false.")]
        else:
            clean["active"] = values["active"]
    if errors:
        raise ValidationError(fields=errors)
    return clean


def validate_values(values: dict, current: Institution | None = None) -> dict:
    """The checked values of a new (or `current`) institution, without the taken-name query:
    bulk callers (imports) find every taken name in one query of their own."""
    return _validate(values, current, unique_name=False)


def create_institution(actor, **values) -> Institution:
    require_actor(actor)
    require(permissions.can_manage_institutions(actor))
    clean = _validate(values, None)
    institution = Institution(**clean)
    try:
        with unique_key(Institution.name):
            db.session.add(institution)
    except DuplicateKey:
        # Another request took the name between our check and our insert.
        raise ValidationError(fields={"name": [NAME_TAKEN]}) from None
    audit.record(actor, "institution.create", institution, clean)
    return institution


def edit_institution(actor, institution_id: int, **values) -> Institution:
    require_actor(actor)
    institution = get_institution(actor, institution_id)
    require(permissions.can_manage_institutions(actor))
    clean = _validate(values, institution)
    try:
        with unique_key(Institution.name):
            changes = audit.diff(institution, clean)
    except DuplicateKey:
        raise ValidationError(fields={"name": [NAME_TAKEN]}) from None
    if changes:
        audit.record(actor, "institution.edit", institution, changes)
    db.session.flush()
    return institution


# --- the public portal -------------------------------------------------------------------------

LISTING_ACTIONS = ("institution.list", "institution.unlist")


def set_listed(actor, institution: Institution, listed: bool) -> Institution:
    """Name the institution on the public portal's members page, or stop naming it (a coordinator or
    one of its own people)."""
    require_actor(actor)
    require(permissions.can_set_listed(actor, institution))
    if not isinstance(listed, bool):
        raise ValidationError(fields={"listed": [_l("Must be true or false.")]})
    if listed == institution.listed:
        return institution
    institution.listed = listed
    institution.listed_at = utcnow() if listed else None
    audit.record(actor, "institution.list" if listed else "institution.unlist", institution,
                 {"listed": [not listed, listed]})
    db.session.flush()
    return institution


def listing_history(institution: Institution) -> list[AuditEntry]:
    """Who listed or unlisted the institution on the portal, and when (newest first)."""
    return audit.history_of(institution, LISTING_ACTIONS)
