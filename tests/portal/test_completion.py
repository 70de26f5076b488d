"""A public deliverable's OGP completion: one rule, the same in Python and in SQL."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from coalition.deliverables.models import COMPLETIONS, STATUSES, Deliverable
from coalition.extensions import db
from coalition.portal.completion import completion_of, completion_sql, overall
from tests import factories


@pytest.mark.parametrize(("status", "progress", "expected"), [
    ("not_started", 0, "not_started"),
    ("in_progress", 0, "not_started"),
    ("in_progress", 1, "limited"),
    ("blocked", 49, "limited"),
    ("in_progress", 50, "substantial"),
    ("in_review", 100, "substantial"),
    ("done", 100, "complete"),
    ("done", 80, "complete"),
])
def test_completion_follows_status_and_progress(status, progress, expected):
    assert completion_of(status, progress) == expected


def test_a_coordinators_override_wins_over_the_derived_completion():
    assert completion_of("done", 100, "limited") == "limited"
    assert completion_of("not_started", 0, "complete") == "complete"


def test_sql_and_python_agree_on_every_status_progress_and_override(app):
    owner = factories.user(groups={"ethics": "member"})
    cases = list(itertools.product(STATUSES, (0, 1, 49, 50, 99, 100), (None, *COMPLETIONS)))
    made = {}
    for status, progress, override in cases:
        item = factories.deliverable(owner=owner, status=status, progress=progress, completion_override=override)
        made[item.id] = completion_of(status, progress, override)
    db.session.commit()
    rows = dict(db.session.execute(sa.select(Deliverable.id, completion_sql()).where(Deliverable.id.in_(made))).all())
    assert rows == made
    assert {item.completion for item in db.session.scalars(sa.select(Deliverable))} <= set(COMPLETIONS)


@pytest.mark.parametrize(("levels", "expected"), [
    ([], None),
    (["complete", "complete"], "complete"),
    (["not_started", "not_started"], "not_started"),
    (["complete", "not_started"], "substantial"),
    (["substantial", "limited", "not_started"], "limited"),
    (["substantial", "limited"], "substantial"),
    (["limited"], "limited"),
])
def test_a_recommendations_completion_sums_up_its_deliverables(levels, expected):
    assert overall(levels) == expected


def test_the_database_refuses_an_unknown_override(app):
    item = factories.deliverable()
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Deliverable).where(Deliverable.id == item.id)
                           .values(completion_override="almost"))
        db.session.flush()
    db.session.rollback()
