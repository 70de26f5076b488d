"""Placeholder: filled in by the API issue's groups endpoints."""
from flask_smorest import Blueprint

blp = Blueprint("api_groups", __name__, url_prefix="/api/v1/groups")
