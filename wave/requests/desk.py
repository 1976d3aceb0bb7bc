"""The desk enters a request for a phone caller (source: desk); the place picker's matches."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from wave.auth.access import desk_required, staff_required
from wave.extensions import db
from wave.requests import services
from wave.requests.catalog import active_items
from wave.requests.forms import DeskForm
from wave.requests.models import Category
from wave.requests.places import offered, parse_place

bp = Blueprint("desk", __name__)


@bp.route("/requests/new", methods=["GET", "POST"])
@desk_required
def new_request():
    categories = active_items()
    form = DeskForm(categories=categories)
    if not form.is_submitted():
        return _render(form, 200)
    if form.finding():  # the place picker's "Find" without JavaScript: nothing is created
        form.receive_photo(current_user.id)  # a chosen photo stays chosen, as the rest does
        form.photo.errors = []
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
        language=form.language.data,
        photos=photos,
        submission_key=form.submission_key.data or None,
    )
    return redirect(url_for("requests.detail", request_id=req.id), 303)


def _render(form, status):
    places = offered(form.place_query.data or "", form.place.data)
    return render_template("requests/new.html", form=form, places=places), status


@bp.get("/places/find")
@staff_required
def find_places():
    """The place picker's choices for what is typed (its own URL: the desk's form and the
    chat's "turn into a request" form both ask here); reads only."""
    query = request.args.get("place_query", "")
    chosen = request.args.get("place", "")
    return render_template(
        "requests/_place_choices.html", places=offered(query, chosen), chosen=chosen, query=query
    )
