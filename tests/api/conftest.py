"""Shared by the API tests: calls made with a role's bearer token, and the SPEC error shape."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def call(client, world):
    """call(role, method, path, json=...) with that role's bearer token (none for `anonymous`)."""
    tokens: dict[str, str] = {}

    def call(role, method, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if role != "anonymous":
            if role not in tokens:
                response = client.post("/api/v1/tokens",
                                       json={"email": world[role].email, "password": factories.PASSWORD})
                assert response.status_code == 201, response.get_json()
                tokens[role] = response.get_json()["token"]
            headers["Authorization"] = f"Bearer {tokens[role]}"
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def assert_error(response, status, *fields):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["status"] == status and isinstance(error["code"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for name in fields:
        assert name in error["fields"], (name, error["fields"])
    return error
