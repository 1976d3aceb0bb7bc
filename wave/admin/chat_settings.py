"""/admin/team-chats: which categories each team's chat offers when a message there becomes a
request ("Cleaning" offers trash removal and wet cleaning). Admins and managers choose."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wave.admin.access import registry_reader
from wave.admin.people_forms import CheckboxesField
from wave.auth.models import Team
from wave.auth.services import active_teams
from wave.extensions import db
from wave.messenger import chats
from wave.messenger.models import Thread
from wave.requests import from_chat
from wave.requests.catalog import active_items
from wave.requests.forms import choices
from wave.web.forms import WaveForm

bp = Blueprint("team_chats", __name__, url_prefix="/admin")


class ChatOffersForm(WaveForm):
    categories = CheckboxesField(_l("What this chat offers"), coerce=int)


def access_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or team.archived_at is not None:
        abort(404)
    return team


@bp.get("/team-chats")
@registry_reader
def index():
    offers = from_chat.offers_by_team()
    return render_template("admin/team_chats.html", teams=active_teams(), offers=offers)


@bp.get("/team-chats/<int:team_id>")
@registry_reader
def team(team_id):
    team = access_team(team_id)
    thread = db.session.scalar(select(Thread).where(Thread.team_id == team.id))
    form = ChatOffersForm(formdata=None)
    form.categories.data = sorted(from_chat.bound_category_ids(thread)) if thread else []
    return _page(team, form, 200)


@bp.post("/team-chats/<int:team_id>")
@registry_reader
def save(team_id):
    team = access_team(team_id)
    form = ChatOffersForm()
    form.categories.choices = _choices()
    if not form.validate_on_submit():
        return _page(team, form, 422)
    from_chat.bind_categories(chats.team_chat(team), form.categories.data or [])
    flash(_("Saved."))
    return redirect(url_for("team_chats.index"), 303)


def _choices():
    return choices((c.id, f"{c.group} → {c.name}") for c in active_items())


def _page(team, form, status):
    form.categories.choices = _choices()
    return render_template("admin/team_chat.html", team=team, form=form), status
