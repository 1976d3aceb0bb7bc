"""The desk enters a request for a phone caller (source: desk)."""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wave.auth.access import desk_required
from wave.extensions import db
from wave.requests import services
from wave.requests.catalog import active_items
from wave.requests.forms import DeskForm, choices
from wave.requests.models import Category
from wave.requests.places import parse_place, place_choices

bp = Blueprint("desk", __name__)


@bp.route("/requests/new", methods=["GET", "POST"])
@desk_required
def new_request():
    categories = active_items()
    form = DeskForm(categories=categories)
    form.place.choices = choices([("", _("Choose…"))] + place_choices())
    if not form.is_submitted():
        return _render(form, 200)
    valid = form.validate_on_submit()
    photos = form.receive_photo(current_user.id)
    if not valid or form.photo.errors:
        return _render(form, 422)
    location, asset = parse_place(form.place.data)
    category = db.session.get(Category, form.category.data)  # one of `categories`: validated
    req, _created = services.create_from_desk(
        current_user,
        category=category,
        location=location,
        asset=asset,
        description=form.description.data,
        priority=form.priority.data,
        contact=form.contact(),
        photos=photos,
        submission_key=form.submission_key.data or None,
    )
    return redirect(url_for("requests.detail", request_id=req.id), 303)


def _render(form, status):
    return render_template("requests/new.html", form=form), status
