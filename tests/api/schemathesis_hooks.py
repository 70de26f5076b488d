"""Schemathesis hooks for tests/api/test_schemathesis.py: a coordinator's bearer token, fetched again
whenever the run itself revoked it (`DELETE /api/v1/tokens/{id}` is one of the operations it calls)."""
from __future__ import annotations

import os

import requests
import schemathesis


@schemathesis.auth()
class CoordinatorToken:
    def get(self, case, context):
        response = requests.post(f"{os.environ['COALITION_API_ORIGIN']}/api/v1/tokens", timeout=30, json={
            "email": os.environ["COALITION_API_EMAIL"], "password": os.environ["COALITION_API_PASSWORD"]})
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
