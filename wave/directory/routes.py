"""The colleagues directory (/people)."""

from flask import Blueprint

from wave.auth.access import staff_required

bp = Blueprint("directory", __name__)


@bp.get("/people")
@staff_required
def index():
    return "", 204
