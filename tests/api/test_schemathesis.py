"""Schemathesis over the whole OpenAPI document, run as a client outside the process would run it.

The app is served over real HTTP (a werkzeug server in a thread, on the test's SQLite database with the
demo coalition) and the `schemathesis` command line runs its examples, fuzzing and stateful phases
(the stateful one follows links between operations) with 30 examples per operation, as a coordinator
whose token `schemathesis_hooks.py` fetches again whenever the run revokes it. Every response must not
be a server error and must conform to the status codes, content type and schema the document
declares; and any schemathesis warning fails the test too (`warnings.fail-on`), so an operation whose
generated data the API mostly refuses means the document does not say what the API enforces.

Some rules depend on the data, not on the shape of a request (an attendance list names the meeting's
invitees; a PATCH carries the version last read), and no document can carry them. For those, the
configuration below supplies real values, as schemathesis' own advice says ("supply the identifiers
in your config file"): invitees of a few meetings, fresh deliverables and meetings at their first
version, and spare rows for the operations that cancel or delete.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from coalition.demo.seed import seed_demo
from coalition.extensions import db
from coalition.auth.models import User
from coalition.institutions.models import Institution
from coalition.meetings.models import Attendance, Meeting
from tests import factories
from tests.consultations.helpers import schemathesis_config as consultation_config
from tests.consultations.helpers import schemathesis_data as consultation_test_data

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_PER_OPERATION = 30
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
PASSWORD = "coalition-demo"


def _test_data() -> dict:
    """Rows the configuration points the data-dependent operations at."""
    meetings = db.session.execute(
        sa.select(Meeting.id).where(Meeting.status == "scheduled").order_by(Meeting.id).limit(4)).scalars().all()
    invitees = sorted(set(db.session.execute(
        sa.select(Attendance.user_id).where(Attendance.meeting_id.in_(meetings))).scalars()))
    # The document's own example (meeting 1; people 7 and 9) holds in this data too.
    example = db.session.get(Meeting, 1)
    example.status = "scheduled"
    for user_id in (7, 9):
        if db.session.get(User, user_id) is not None and not db.session.execute(sa.select(Attendance.id).where(
                Attendance.meeting_id == 1, Attendance.user_id == user_id)).first():
            db.session.add(Attendance(meeting_id=1, user_id=user_id, status="invited"))
    # Fresh rows at their first version, for the PATCHes: each is accepted once with `version` 1, then 409.
    deliverables = [factories.deliverable("ethics", progress=0, status="not_started").id for _ in range(30)]
    fresh_meetings = [factories.meeting("ethics").id for _ in range(30)]
    # What the run may cancel or delete, so that the rows above stay usable until the end.
    spare_meetings = [factories.meeting("ethics").id for _ in range(6)]
    spare_deliverables = [factories.deliverable("ethics").id for _ in range(6)]
    recommendations = _recommendations_data()  # issue 13: the agenda
    analysis = _analysis_data()
    # Issue 14: a deliverable's PATCH names an active owner and existing institutions.
    owners = db.session.execute(sa.select(User.id).where(User.active.is_(True)).order_by(User.id).limit(20)).scalars().all()
    institutions = db.session.execute(sa.select(Institution.id).order_by(Institution.id).limit(20)).scalars().all()
    policy = _policy_data()  # issue 15: states and policy uptake
    db.session.commit()
    return {**policy, **analysis, "owners": owners, "institutions": institutions, "meetings": meetings, "invitees": invitees, "deliverables": deliverables,
            "fresh_meetings": fresh_meetings, "spare_meetings": spare_meetings,
            "spare_deliverables": spare_deliverables, **consultation_test_data(), **recommendations}


def _recommendations_data() -> dict:
    """Fresh recommendations at their first version, and contributions and themes that may be their sources."""
    from tests.recommendations import conftest as make

    consultation = make.consultation()
    themes = [make.theme(consultation).id for _ in range(3)]
    contributions = [make.contribution(consultation).id for _ in range(5)]
    fresh = [make.recommendation().id for _ in range(30)]
    return {"fresh_recommendations": fresh, "source_themes": themes, "source_contributions": contributions}


def _policy_data() -> dict:
    """Fresh federal instruments at their first version (for the PATCHes), others to give stages and uptakes,
    engagements to read, and the recommendations and active institutions their bodies may name."""
    from coalition.policy.models import Engagement
    from coalition.recommendations.models import Recommendation
    from tests.api.test_instruments import instrument

    fresh = [instrument().id for _ in range(30)]
    staged = [instrument(jurisdiction="JAL", state="JAL").id for _ in range(10)]
    engagements = []
    for instrument_id in staged[:3]:
        engagement = Engagement(kind="forum", title="Foro", held_on=factories.today(), jurisdiction="JAL",
                                state="JAL", body="Congreso del Estado", instrument_id=instrument_id)
        db.session.add(engagement)
        db.session.flush()
        engagements.append(engagement.id)
    recommendations = db.session.scalars(sa.select(Recommendation.id).order_by(Recommendation.id).limit(20)).all()
    active = db.session.scalars(sa.select(Institution.id).where(Institution.active.is_(True))
                                .order_by(Institution.id).limit(20)).all()
    return {"fresh_instruments": fresh, "staged_instruments": staged, "instruments": fresh + staged,
            "engagements": engagements, "uptake_recommendations": recommendations, "active_institutions": active}


def _analysis_data() -> dict:
    """The consultation the documented examples name, with themes and contributions (the demo's, else made)."""
    from coalition.consultations.models import Consultation, Contribution, Theme
    from tests.analysis import factories as consult

    consultation = db.session.scalar(sa.select(Consultation).where(Consultation.slug == "consulta-nacional-ia"))
    if consultation is None:
        consultation = consult.consultation(("ethics",), slug="consulta-nacional-ia")
        for _ in range(3):
            consult.theme(consultation)
        for _ in range(10):
            consult.contribution(consultation)
    themes = db.session.scalars(sa.select(Theme.id).where(Theme.consultation_id == consultation.id)
                                .order_by(Theme.id).limit(10)).all()
    contributions = db.session.scalars(sa.select(Contribution.id).where(
        Contribution.consultation_id == consultation.id, Contribution.hidden_at.is_(None))
        .order_by(Contribution.id).limit(20)).all()
    return {"consultation_slugs": ["consulta-nacional-ia"], "themes": themes, "contributions": contributions}


def _config(data: dict) -> str:
    """schemathesis.toml: every warning fails the run, and the values no document can carry."""
    return f"""
[warnings]
fail-on = true

[dictionaries.meetings]
values = {data["meetings"]}

[dictionaries.invitees]
values = {data["invitees"]}

[dictionaries.deliverables]
values = {data["deliverables"]}

[dictionaries.fresh_meetings]
values = {data["fresh_meetings"]}

[dictionaries.consultation_slugs]
values = {data["consultation_slugs"]}

[dictionaries.themes]
values = {data["themes"]}

[dictionaries.contributions]
values = {data["contributions"]}

[[operations]]
include-path-regex = "^/api/v1/consultations/[{{]slug[}}]/(contributions|themes|figures)$"
exclude-name = "POST /api/v1/consultations/{{slug}}/contributions"
parameters = {{ "path.slug" = {{ dictionary = "consultation_slugs", probability = 0.9 }} }}

[[operations]]
include-name = "PATCH /api/v1/themes/{{theme_id}}"
parameters = {{ "path.theme_id" = {{ dictionary = "themes", probability = 0.9 }} }}

[[operations]]
include-name = "PUT /api/v1/contributions/{{contribution_id}}/themes"
parameters = {{ "path.contribution_id" = {{ dictionary = "contributions", probability = 0.9 }} }}
# Its documented example names themes 3 and 7, of no particular consultation (a 422 here); the hook
# `map_body` gives the generated bodies the run's own themes.
phases.examples.enabled = false

[[operations]]
include-path-regex = "^/api/v1/contributions/[{{]contribution_id[}}]/(hide|unhide)$"
parameters = {{ "path.contribution_id" = {{ dictionary = "contributions", probability = 0.9 }} }}

[dictionaries.first_version]
values = [1]

[dictionaries.spare_meetings]
values = {data["spare_meetings"]}

[dictionaries.spare_deliverables]
values = {data["spare_deliverables"]}

[[operations]]
include-name = "POST /api/v1/meetings/{{meeting_id}}/cancel"
parameters = {{ "path.meeting_id" = {{ dictionary = "spare_meetings", probability = 1.0 }} }}
# Its documented example is meeting 1, which the other meeting operations' examples need scheduled.
phases.examples.enabled = false

[[operations]]
include-name = "DELETE /api/v1/meetings/{{meeting_id}}"
parameters = {{ "path.meeting_id" = {{ dictionary = "spare_meetings", probability = 1.0 }} }}

[[operations]]
include-name = "DELETE /api/v1/deliverables/{{deliverable_id}}"
parameters = {{ "path.deliverable_id" = {{ dictionary = "spare_deliverables", probability = 1.0 }} }}

[[operations]]
include-name = "PUT /api/v1/meetings/{{meeting_id}}/attendance"
parameters = {{ "path.meeting_id" = {{ dictionary = "meetings", probability = 0.9 }}, "body.attendance[*].user_id" = {{ dictionary = "invitees", probability = 0.9 }} }}

[dictionaries.owners]
values = {data["owners"]}

[dictionaries.institutions]
values = {data["institutions"]}

[[operations]]
include-name = "PATCH /api/v1/deliverables/{{deliverable_id}}"
parameters = {{ "path.deliverable_id" = {{ dictionary = "deliverables", probability = 0.9 }}, "body.version" = {{ dictionary = "first_version", probability = 0.9 }}, "body.owner_id" = {{ dictionary = "owners", probability = 0.9 }}, "body.institution_ids[*]" = {{ dictionary = "institutions", probability = 0.9 }} }}

[dictionaries.fresh_recommendations]
values = {data["fresh_recommendations"]}

[dictionaries.source_themes]
values = {data["source_themes"]}

[dictionaries.source_contributions]
values = {data["source_contributions"]}

[[operations]]
include-name = "POST /api/v1/recommendations"
parameters = {{ "body.sources.themes[*]" = {{ dictionary = "source_themes", probability = 0.9 }}, "body.sources.contributions[*]" = {{ dictionary = "source_contributions", probability = 0.9 }} }}

[[operations]]
include-name = "PATCH /api/v1/recommendations/{{recommendation_id}}"
parameters = {{ "path.recommendation_id" = {{ dictionary = "fresh_recommendations", probability = 0.9 }}, "body.version" = {{ dictionary = "first_version", probability = 0.9 }}, "body.sources.themes[*]" = {{ dictionary = "source_themes", probability = 0.9 }}, "body.sources.contributions[*]" = {{ dictionary = "source_contributions", probability = 0.9 }} }}

[[operations]]
include-name = "PATCH /api/v1/meetings/{{meeting_id}}"
parameters = {{ "path.meeting_id" = {{ dictionary = "fresh_meetings", probability = 0.9 }}, "body.version" = {{ dictionary = "first_version", probability = 0.9 }} }}

[dictionaries.fresh_instruments]
values = {data["fresh_instruments"]}

[dictionaries.staged_instruments]
values = {data["staged_instruments"]}

[dictionaries.instruments]
values = {data["instruments"]}

[dictionaries.engagements]
values = {data["engagements"]}

[dictionaries.uptake_recommendations]
values = {data["uptake_recommendations"]}

[dictionaries.active_institutions]
values = {data["active_institutions"]}

[[operations]]
include-name = "GET /api/v1/instruments/{{instrument_id}}"
parameters = {{ "path.instrument_id" = {{ dictionary = "instruments", probability = 0.9 }} }}

[[operations]]
include-name = "PATCH /api/v1/instruments/{{instrument_id}}"
parameters = {{ "path.instrument_id" = {{ dictionary = "fresh_instruments", probability = 0.9 }}, "body.version" = {{ dictionary = "first_version", probability = 0.9 }} }}

[[operations]]
include-name = "POST /api/v1/instruments/{{instrument_id}}/stages"
parameters = {{ "path.instrument_id" = {{ dictionary = "staged_instruments", probability = 0.9 }} }}

[[operations]]
include-name = "POST /api/v1/instruments/{{instrument_id}}/uptakes"
parameters = {{ "path.instrument_id" = {{ dictionary = "staged_instruments", probability = 0.9 }}, "body.recommendation_id" = {{ dictionary = "uptake_recommendations", probability = 0.9 }} }}

[[operations]]
include-name = "GET /api/v1/engagements/{{engagement_id}}"
parameters = {{ "path.engagement_id" = {{ dictionary = "engagements", probability = 0.9 }} }}

[[operations]]
include-name = "POST /api/v1/engagements"
parameters = {{ "body.instrument_id" = {{ dictionary = "instruments", probability = 0.9 }}, "body.institution_ids[*]" = {{ dictionary = "active_institutions", probability = 0.9 }} }}
""" + consultation_config(data)


# Thousands of generated requests against what the API documents, which no database changes: once. (What a
# database may treat differently is sent on both by tests/api/test_malformed.py.)
@pytest.mark.one_database
def test_api_answers_generated_requests_as_documented_with_no_schemathesis_warning(app, tmp_path):
    seed_demo(scale=1, password=PASSWORD)
    db.session.commit()
    data = _test_data()
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(data), encoding="utf-8")

    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
           "COALITION_API_ORIGIN": origin, "COALITION_API_EMAIL": "coordinator@example.org",
           "COALITION_API_PASSWORD": PASSWORD, "NO_COLOR": "1",
           "COALITION_API_THEMES": ",".join(str(t) for t in data["themes"]),
           "COALITION_API_OPEN_CONSULTATION": data["consultation_slug"]}
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               f"{origin}/api/openapi.json", "--phases", "examples,fuzzing,stateful",
               "--max-examples", str(EXAMPLES_PER_OPERATION), "--generation-deterministic", "--workers", "1",
               "--checks", CHECKS, "--no-color"]
    started = time.monotonic()
    try:
        result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    finally:
        server.shutdown()
        werkzeug_log.setLevel(level)
    output = result.stdout + result.stderr
    print(output[-3000:], f"\n(schemathesis ran {time.monotonic() - started:.0f} s)")
    assert "Stateful" in output and "API Links" in output, output[-3000:]
    assert result.returncode == 0, output[-12000:]
    assert "WARNINGS" not in output, output[-12000:]
