"""Registry: imports."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/admin")
