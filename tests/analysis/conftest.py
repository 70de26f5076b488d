"""Fixtures of the analysis tests: a consultation of the ethics group with its people."""
from __future__ import annotations

import pytest

from tests import factories
from tests.analysis import factories as consult


@pytest.fixture
def people(app):
    return {
        "member": factories.user(groups={"ethics": "member"}),
        "lead": factories.user(groups={"ethics": "lead"}),
        "other": factories.user(groups={"governance": "member"}),
        "other_lead": factories.user(groups={"governance": "lead"}),
        "coordinator": factories.user(role="coordinator"),
    }


@pytest.fixture
def consultation(app):
    return consult.consultation(("ethics",))
