"""The colleagues directory (/people): staff only, searchable, each with a workload light."""

from typing import NamedTuple

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from wave.auth.access import staff_required
from wave.auth.models import Team, User
from wave.directory import workload
from wave.extensions import db

bp = Blueprint("directory", __name__)


class Colleague(NamedTuple):
    user: User
    open_work: int
    light: str


@bp.get("/people")
@staff_required
def index():
    query = _query()
    return render_template("directory/index.html", q=query, people=colleagues(query))


@bp.get("/people/list")
@staff_required
def people_list():
    """The list alone, for the live search."""
    query = _query()
    html = render_template("directory/_list.html", q=query, people=colleagues(query))
    # The address bar shows the full page of this search: reload and back work.
    return html, {"HX-Replace-Url": url_for("directory.index", q=query or None)}


def _query() -> str:
    return request.args.get("q", "").strip()[:80]


def colleagues(query: str = "") -> list[Colleague]:
    """Active accounts whose name, username or team matches `query`, by name, with their light."""
    statement = (
        select(User)
        .where(User.archived_at.is_(None))
        .options(selectinload(User.teams))
        .order_by(User.display_name, User.id)
    )
    if query:
        statement = statement.where(
            or_(
                User.display_name.icontains(query, autoescape=True),
                User.username.icontains(query, autoescape=True),
                User.teams.any(Team.name.icontains(query, autoescape=True)),
            )
        )
    users = db.session.scalars(statement).all()
    counts = workload.open_work(u.id for u in users)
    busy, overloaded = workload.thresholds()
    return [
        Colleague(u, counts.get(u.id, 0), workload.light(counts.get(u.id, 0), busy, overloaded))
        for u in users
    ]
