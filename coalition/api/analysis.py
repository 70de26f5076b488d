"""The analysis endpoints of the API (issue 13)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_analysis", __name__, url_prefix="/api/v1", description="analysis")
