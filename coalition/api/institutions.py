"""Placeholder: filled in by the API issue's institutions endpoints."""
from flask_smorest import Blueprint

blp = Blueprint("api_institutions", __name__, url_prefix="/api/v1/institutions")
