"""Registry: places."""

from flask import Blueprint

bp = Blueprint("places", __name__, url_prefix="/admin")
