"""The recommendations endpoints of the API (issue 13)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_recommendations", __name__, url_prefix="/api/v1", description="recommendations")
