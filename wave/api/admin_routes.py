"""/admin/api: the tokens other systems use (admins issue and revoke; managers may look)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from wave.admin.access import registry_editor, registry_reader
from wave.api import tokens
from wave.api.models import ApiToken
from wave.extensions import db
from wave.web.forms import WaveForm

bp = Blueprint("api_tokens", __name__, url_prefix="/admin")


class TokenForm(WaveForm):
    name = StringField(
        _l("Which system is it for?"),
        validators=[
            DataRequired(message=_l("Name the system, e.g. Building alarms.")),
            Length(max=80, message=_l("At most 80 characters.")),
        ],
    )


@bp.get("/api")
@registry_reader
def index():
    return _page(TokenForm(formdata=None))


@bp.post("/api")
@registry_editor
def issue():
    """The new token is shown on this answer only: it is not stored and not put in a
    redirect or the session cookie."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    row, token = tokens.issue(current_user, form.name.data)
    return _page(TokenForm(formdata=None), issued=(row, token))


@bp.post("/api/<int:token_id>/revoke")
@registry_editor
def revoke(token_id):
    row = db.session.get(ApiToken, token_id) or abort(404)
    tokens.revoke(row)
    flash(_("The token of %(name)s no longer works.", name=row.name))
    return redirect(url_for("api_tokens.index"), 303)


def _page(form, issued=None, status=200):
    return render_template(
        "api/tokens.html", form=form, rows=tokens.listed(), issued=issued
    ), status
