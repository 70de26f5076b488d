"""Placeholder: filled in by the API issue's people endpoints."""
from flask_smorest import Blueprint

blp = Blueprint("api_people", __name__, url_prefix="/api/v1/people")
