"""The web server's app: the master serves its busiest pages to itself before forking (coalition.wsgi.warm_up)."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from coalition import create_app
from coalition.extensions import db
from coalition.metrics import REQUESTS
from coalition.observability import current_request_id
from coalition.wsgi import warm_up
from tests import factories as f


def _row_counts() -> dict[str, int]:
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    db.session.rollback()  # the count's connection goes back to the pool before the warm-up
    return counts


def _compiled_templates(app) -> set[str]:
    return {name for _loader, name in app.jinja_env.cache.keys()}


def test_the_warm_up_serves_the_busiest_pages_as_a_coordinator_and_writes_nothing(app):
    f.user(role="coordinator")  # without a person the pages below would only redirect to the sign-in
    lead = f.user(groups={"ethics": "lead"})
    f.deliverable(owner=lead)
    f.meeting(title="Sesión pasada", starts_at=f.days_ago(10), invitees=[lead])
    upcoming = f.meeting(title="Sesión próxima", invitees=[lead])
    f.meeting(title="Sesión lejana", starts_at=f.days_ago(-30))
    db.session.commit()
    before = _row_counts()
    counted = REQUESTS.labels("GET", "home.index", "200")._value.get()
    app.jinja_env.cache.clear()  # the app is shared with earlier tests, which compiled templates of their own
    app.config["WARM_UP"] = True

    served = warm_up(app)

    # The next meeting (not the past or the later one), as the coordinator sees it, and every page whole.
    assert served == [("/login", 200), ("/healthz", 200), ("/", 200), ("/dashboard", 200),
                      ("/deliverables", 200), ("/meetings", 200), (f"/meetings/{upcoming.id}", 200),
                      (f"/meetings/{upcoming.id}.ics", 200)]
    # What the workers will share instead of building each their own: the templates those pages use.
    assert {"home/index.html", "dashboards/dashboard.html", "meetings/_detail_body.html"} <= _compiled_templates(app)
    # Nothing written (no session, no audit entry, no idempotency key), not counted as traffic.
    assert _row_counts() == before
    assert REQUESTS.labels("GET", "home.index", "200")._value.get() == counted
    # And no connection left open for the forked workers to inherit, no request id on the master's logs.
    for engine in db.engines.values():
        assert engine.pool.checkedout() == 0
    assert current_request_id() is None


def test_without_a_coordinator_only_the_anonymous_pages_are_warmed_and_tests_warm_nothing(app):
    f.user(role="member", groups={"ethics": "member"})
    db.session.commit()
    assert warm_up(app) == []  # TestingConfig: an app built by a test serves only that test's requests
    app.config["WARM_UP"] = True
    assert warm_up(app) == [("/login", 200), ("/healthz", 200)]


def test_a_database_that_does_not_answer_leaves_the_warm_up_to_the_workers(tmp_path, caplog):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-directory/for/coalition/x.db",
                                 "WARM_UP": True, "SERVER_NAME": None})
    app.instance_path = str(tmp_path / "instance")
    with caplog.at_level(logging.WARNING, logger="coalition.wsgi"):
        assert warm_up(app) == []
    assert "warm-up skipped" in caplog.text
