"""Pages of the analysis domain (issue 13)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analysis", __name__)
