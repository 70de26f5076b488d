"""The home's data: its stamp, the contributions to code, and the coalition at a glance."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coalition.database import utcnow
from coalition.consultations.models import Contribution
from coalition.errors import PermissionDenied
from coalition.extensions import db
from coalition.home import services
from coalition.imports import services as imports
from coalition.imports.models import PendingImport
from tests import factories
from tests.analysis import factories as consultations
from tests.home.helpers import needs


def test_the_stamp_holds_the_version_the_newest_contribution_and_only_ones_own_unexpired_imports(app):
    coordinator, other = factories.user(role="coordinator"), factories.user(role="coordinator")
    world = needs(coordinator)
    imports.keep(other, "institutions", b"nombre,sector,estado\r\nX,academia,Jalisco\r\n", "otra.csv", {})
    expired = imports.keep(coordinator, "institutions", b"nombre,sector,estado\r\n", "vieja.csv", {})
    db.session.get(PendingImport, expired.id).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    stamp = services.stamp(coordinator, utcnow())
    newest = max(c.id for c in db.session.query(Contribution))
    assert stamp.version is not None and stamp.newest_contribution == newest
    assert [(i.id, i.kind, i.filename) for i in stamp.imports] == [(world["import"].id, "institutions", "lista.csv")]


def test_a_person_without_imports_or_contributions_gets_an_empty_stamp(app):
    person = factories.user()
    db.session.commit()
    stamp = services.stamp(person, utcnow())
    assert stamp.imports == () and stamp.newest_contribution == 0 and stamp.version is not None


def test_contributions_to_code_count_visible_uncoded_ones_of_open_and_closed_consultations(app):
    coordinator = factories.user(role="coordinator")
    world = needs(coordinator)
    now = utcnow()
    still_open = consultations.consultation(slug="abierta", closes_at=now + timedelta(days=5))
    consultations.contribution(still_open)
    for phase in ("draft", "analysed"):
        consultations.contribution(consultations.consultation(slug=f"fase-{phase}", phase=phase))
    consultations.consultation(slug="por-abrir", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9))
    db.session.commit()
    counts = {u.slug: u.count for u in services.uncoded(now)}
    assert counts == {world["consultation"].slug: 2, "abierta": 1}


def test_the_glance_is_the_coalition_dashboards_and_only_for_coordinators_and_admins(app):
    coordinator, admin = factories.user(role="coordinator"), factories.user(role="admin")
    member = factories.user(groups={"ethics": "lead"})
    world = needs(coordinator)
    now = utcnow()
    for person in (coordinator, admin):
        glance = services.glance(person, now, 0)
        assert [d.id for d in glance.board.overdue] == [world["overdue"].id]
        assert [d.id for d in glance.board.stale] == [world["stale"].id]
        assert [m.id for m in glance.board.without_minutes] == [world["meeting"].id]
        assert [(u.slug, u.count) for u in glance.uncoded] == [("foros-ia", 2)]
        assert not glance.needs_nothing
    with pytest.raises(PermissionDenied):
        services.glance(member, now, 0)


def test_someone_in_no_group_lists_no_groups(app):
    coordinator = factories.user(role="coordinator")
    mine = factories.deliverable("ethics", owner=coordinator)
    db.session.commit()
    home = services.home_for(coordinator)
    assert home.groups == [] and [v.deliverable.id for v in home.deliverables] == [mine.id]
