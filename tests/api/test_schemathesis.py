"""Schemathesis over the whole OpenAPI document, in-process, with a coordinator's token.

Every generated request must get a response that is not a server error and that conforms to the
status codes, content type and schema the document declares for it.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance)

from coalition.demo.seed import seed_demo
from coalition.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 15


def test_api_answers_every_request_without_server_errors_and_as_documented(app, client):
    seed_demo(scale=1, password="coalition-demo")
    db.session.commit()
    token = client.post("/api/v1/tokens", json={"email": "coordinator@example.org",
                                                "password": "coalition-demo"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert operations >= 10
    assert not failures, "\n\n".join(failures)
