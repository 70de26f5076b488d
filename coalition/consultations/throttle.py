"""The limit on contributions per address, shared by the public form and the API (one counter for both).

The limit itself is declared once, in the configuration (`CONTRIBUTION_LIMITS`), so a deployment (or a
benchmark) can widen it without code; counters live where the login throttle keeps its own.
"""
from __future__ import annotations

from flask import current_app

from coalition.auth.throttle import limiter


def _limits() -> str:
    return current_app.config["CONTRIBUTION_LIMITS"]


def contribution_limits(view):
    """Per client address, on POST only."""
    return limiter.limit(_limits, methods=["POST"], scope="contribution-address")(view)
