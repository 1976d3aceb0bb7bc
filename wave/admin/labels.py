"""Registry: labels."""

from flask import Blueprint

bp = Blueprint("labels", __name__, url_prefix="/admin")
