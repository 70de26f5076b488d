"""Pages of the recommendations domain (issue 13)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("recommendations", __name__)
