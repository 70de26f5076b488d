"""Placeholder: filled in by the API issue's meetings endpoints."""
from flask_smorest import Blueprint

blp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings")
