"""The desk enters a request for a phone caller (source: desk)."""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from wave.auth.access import desk_required
from wave.extensions import db
from wave.qr.models import Asset, Location, Site
from wave.requests import services
from wave.requests.catalog import active_items
from wave.requests.forms import DeskForm, choices
from wave.requests.models import Category

bp = Blueprint("desk", __name__)


def place_choices() -> list[tuple[str, str]]:
    """Every active location ('l<id>') and asset ('a<id>'), labelled with its full path."""
    locations = db.session.scalars(
        select(Location)
        .join(Site)
        .where(Location.archived_at.is_(None), Site.archived_at.is_(None))
    ).all()
    assets = db.session.scalars(select(Asset).where(Asset.archived_at.is_(None))).all()
    choices = [(f"l{loc.id}", f"{loc.site.name} · {loc.full_name}") for loc in locations]
    choices += [
        (f"a{a.id}", f"{a.location.site.name} · {a.location.full_name} · {a.name}") for a in assets
    ]
    return [("", _("Choose…"))] + sorted(choices, key=lambda c: c[1])


def _place(value: str):
    kind, ident = value[:1], int(value[1:])
    if kind == "a":
        return None, db.session.get(Asset, ident)
    return db.session.get(Location, ident), None


@bp.route("/requests/new", methods=["GET", "POST"])
@desk_required
def new_request():
    categories = active_items()
    form = DeskForm(categories=categories)
    form.place.choices = choices(place_choices())
    if not form.is_submitted():
        return _render(form, 200)
    valid = form.validate_on_submit()
    photos = form.receive_photo(current_user.id)
    if not valid or form.photo.errors:
        return _render(form, 422)
    location, asset = _place(form.place.data)
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
