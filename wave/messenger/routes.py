"""Chats for staff (/chats)."""

from flask import Blueprint

from wave.auth.access import staff_required

bp = Blueprint("chats", __name__)


@bp.get("/chats")
@staff_required
def index():
    return "", 204
