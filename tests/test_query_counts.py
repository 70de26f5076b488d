"""Pages issue the same number of SQL queries whatever the data size (no N+1)."""
from __future__ import annotations

import contextvars
import re
import shutil
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from coalition import create_app
from coalition.deliverables.models import DeliverableUpdate
from coalition.extensions import db
from tests import factories
from tests.conftest import IsolatedClient, login


@contextmanager
def count_queries():
    statements: list[str] = []

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_execute)


def build(size: int):
    """A coalition with `size` deliverables in ethics, their institutions, updates and meetings."""
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    coordinator = factories.user(role="coordinator")
    for n in range(size):
        inst = factories.institution(sector=("industry", "academia", "government")[n % 3])
        owner = member if n % 2 == 0 else factories.user(groups={"ethics": "member"}, institution_id=inst.id)
        item = factories.deliverable("ethics", owner=owner, due_date=factories.today() + timedelta(days=n % 90 - 30),
                                     last_update_at=factories.days_ago(n % 30))
        item.institutions.append(inst)
        db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=owner.id, status_before="not_started",
                                         status_after="in_progress", progress_before=0, progress_after=10))
        if n % 10 == 0:
            factories.meeting("ethics", invitees={member, owner})
        if n % 10 == 5:
            held = factories.meeting("ethics", invitees={member, owner}, status="held",
                                     starts_at=factories.days_ago(n % 60 + 1))
            for attendance in held.attendance:
                attendance.status = "attended" if attendance.user_id == member.id else "absent"
    db.session.commit()
    return member, coordinator, item


def queries_per_page(app, size: int) -> dict[str, int]:
    member, coordinator, last = build(size)
    pages = ["/", "/groups", "/groups/ethics", "/institutions", "/deliverables", "/meetings",
             f"/deliverables/{last.id}", f"/institutions/{last.institutions[0].id}"]
    counts = {}
    for who, extra in ((member, []), (coordinator, ["/dashboard", "/groups/ethics/dashboard",
                                                                "/dashboard?sector=academia&start=2026-01-01",
                                                                "/dashboard/balance.csv"])):
        client = app.test_client()
        login(client, who)
        for page in pages + extra:
            with count_queries() as statements:
                response = client.get(page)
            assert response.status_code == 200, page
            counts[f"{who.role} {re.sub(r'[0-9]+', 'N', page)}"] = len(statements)
    return counts


def counts_in_fresh_database(template_db, path, size: int, measure=None) -> dict[str, int]:
    """`measure(app, size)` (default: this file's `queries_per_page`) in a fresh copy of the template database."""
    measure = measure or queries_per_page
    shutil.copy(template_db, path)
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    other.test_client_class = IsolatedClient

    def run():
        with other.app_context():
            try:
                return measure(other, size)
            finally:
                db.session.remove()
                db.engine.dispose()

    return contextvars.Context().run(run)


def test_pages_issue_the_same_queries_with_10_and_500_deliverables(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 10)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 500)
    assert small == large
    assert max(small.values()) <= 25, small


def test_the_dashboard_issues_a_fixed_number_of_queries(template_db, tmp_path):
    counts = counts_in_fresh_database(template_db, tmp_path / "board.db", 40)
    # A page that grew a query per group, per month or per sector would break this bound.
    assert 15 <= counts["coordinator /dashboard"] <= 25, counts["coordinator /dashboard"]


def home_queries(app, size: int) -> dict[str, int]:
    """Queries of the home for a member and a coordinator, computed and then cached, beside /healthz's."""
    from coalition.dashboards import cache
    from coalition.imports import services as imports
    from tests.analysis import factories as consultations
    from tests.home.helpers import INSTITUTIONS

    member, coordinator, _ = build(size)
    consultation = consultations.consultation()
    for _ in range(size // 5):
        consultations.contribution(consultation)
    imports.keep(coordinator, "institutions", INSTITUTIONS, "lista.csv", {})
    db.session.commit()
    cache._local.clear()  # entries of another database under the same version would be served
    counts = {}
    for cached in (False, True):
        app.config["DASHBOARD_CACHE"] = cached
        for who in (member, coordinator):
            client = app.test_client()
            login(client, who)
            for attempt in ("first", "again"):
                with count_queries() as statements:
                    assert client.get("/").status_code == 200
                counts[f"{who.role} {'cached' if cached else 'computed'} {attempt}"] = len(statements)
            with count_queries() as statements:
                client.get("/healthz")
            counts[f"{who.role} /healthz"] = len(statements)
    cache._local.clear()
    return counts


def test_the_home_issues_a_fixed_number_of_queries_and_once_cached_as_many_as_healthz(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 10, home_queries)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 300, home_queries)
    assert small == large
    assert max(small.values()) <= 25, small
    for role in ("member", "coordinator"):
        assert small[f"{role} cached again"] == small[f"{role} /healthz"] < small[f"{role} cached first"], small


def digest_queries(app, size: int) -> dict[str, int]:
    """Queries of the digest preview page (/settings/digest) for a member, a lead and a coordinator."""
    member, coordinator, _ = build(size)
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    counts = {}
    for who in (member, lead, coordinator):
        client = app.test_client()
        login(client, who)
        with count_queries() as statements:
            response = client.get("/settings/digest")
        assert response.status_code == 200
        counts[f"{who.role} {'lead' if who is lead else ''} /settings/digest"] = len(statements)
    return counts


def test_the_digest_preview_issues_the_same_queries_with_10_and_500_deliverables(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 10, digest_queries)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 500, digest_queries)
    assert small == large, (small, large)
    assert max(small.values()) <= 40, small
