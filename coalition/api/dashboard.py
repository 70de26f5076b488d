"""Placeholder: filled in by the API issue's dashboard endpoints."""
from flask_smorest import Blueprint

blp = Blueprint("api_dashboard", __name__, url_prefix="/api/v1/dashboard")
