"""Registry: one location or asset — edit, move, archive, offered categories, QR tag."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from wave.admin.access import registry_editor, registry_reader
from wave.admin.place_forms import KIND_LABELS, AssetForm, LeaseForm, LocationForm, OffersForm
from wave.admin.places import location_choices, site_tree
from wave.extensions import db
from wave.qr import services
from wave.qr.models import Asset, Location
from wave.requests import offers, tenancy
from wave.requests.forms import ActionForm
from wave.requests.models import TenantOrg

bp = Blueprint("locations", __name__, url_prefix="/admin")


# ---------------------------------------------------------------- locations
@bp.get("/locations/<int:location_id>")
@registry_reader
def location(location_id):
    loc = db.get_or_404(Location, location_id)
    return _location_page(loc, _edit_form(loc), _asset_form(loc), 200)


@bp.post("/locations/<int:location_id>")
@registry_editor
def update_location(location_id):
    loc = db.get_or_404(Location, location_id)
    form = _edit_form(loc)
    if not form.validate_on_submit():
        return _location_page(loc, form, _asset_form(loc), 422)
    parent = db.session.get(Location, form.parent.data) if form.parent.data else None
    try:
        services.update_location(
            loc, name=form.name.data.strip(), kind=form.kind.data, parent=parent
        )
    except services.RegistryError as error:
        form.parent.errors.append(str(error))
        return _location_page(loc, form, _asset_form(loc), 422)
    flash(_("Saved."))
    return redirect(url_for("locations.location", location_id=loc.id), 303)


@bp.post("/locations/<int:location_id>/archive")
@registry_editor
def archive_location(location_id):
    loc = db.get_or_404(Location, location_id)
    if ActionForm().validate_on_submit():
        restore = request.form.get("restore") == "1"
        count = services.set_location_archived(loc, not restore)
        flash(
            _("Restored %(n)d places.", n=count)
            if restore
            else _("Archived %(n)d places.", n=count)
        )
    return redirect(url_for("locations.location", location_id=loc.id), 303)


@bp.post("/locations/<int:location_id>/assets")
@registry_editor
def create_asset(location_id):
    loc = db.get_or_404(Location, location_id)
    form = _asset_form(loc)
    if not form.validate_on_submit():
        return _location_page(loc, _edit_form(loc), form, 422)
    where = db.session.get(Location, form.location.data)
    asset = services.create_asset(
        where, name=form.name.data.strip(), kind=(form.kind.data or "").strip(), tag=form.tag.data
    )
    flash(_("%(name)s added.", name=asset.name))
    return redirect(url_for("locations.asset", asset_id=asset.id), 303)


def _edit_form(loc: Location) -> LocationForm:
    form = LocationForm(obj=loc)
    form.parent.choices = [SelectChoice(0, _("Top of the site"))] + location_choices(
        loc.site, exclude=set(services.subtree_ids(loc))
    )
    if not form.is_submitted():
        form.parent.data = loc.parent_id or 0
    return form


def _asset_form(loc: Location) -> AssetForm:
    form = AssetForm()
    form.location.choices = location_choices(loc.site)
    if not form.is_submitted():
        form.location.data = loc.id
    return form


def _location_page(loc, form, asset_form, status):
    node = _find(site_tree(loc.site), loc.id)
    return render_template(
        "admin/places/location.html",
        location=loc,
        node=node,
        form=form,
        asset_form=asset_form,
        offers_form=_offers_form(loc),
        lease_form=_lease_form(loc),
        inherited_tenant=tenancy.tenant_for(loc.parent) if loc.parent else None,
        tag=services.active_tag(loc),
        kinds=KIND_LABELS,
    ), status


def _find(nodes, ident):
    for node in nodes:
        if node["location"].id == ident:
            return node
        found = _find(node["children"], ident)
        if found:
            return found
    return None


@bp.post("/locations/<int:location_id>/tenant")
@registry_editor
def set_tenant(location_id):
    loc = db.get_or_404(Location, location_id)
    form = _lease_form(loc)
    if form.validate_on_submit():
        org = db.session.get(TenantOrg, form.tenant.data) if form.tenant.data else None
        tenancy.set_tenant(loc, org)
        flash(_("Saved."))
    return redirect(url_for("locations.location", location_id=loc.id, _anchor="tenant"), 303)


def _lease_form(loc: Location) -> LeaseForm:
    form = LeaseForm()
    orgs = db.session.scalars(
        select(TenantOrg).where(TenantOrg.archived_at.is_(None)).order_by(TenantOrg.name)
    )
    form.tenant.choices = [SelectChoice(0, _("Nobody (or as the place around it)"))] + [
        SelectChoice(org.id, f"{org.name} ({org.sla_class})") for org in orgs
    ]
    if not form.is_submitted():
        own = tenancy.own_tenant(loc)
        form.tenant.data = own.id if own else 0
    return form


# ---------------------------------------------------------------- assets
@bp.get("/assets/<int:asset_id>")
@registry_reader
def asset(asset_id):
    thing = db.get_or_404(Asset, asset_id)
    return _asset_page(thing, _asset_edit_form(thing), 200)


@bp.post("/assets/<int:asset_id>")
@registry_editor
def update_asset(asset_id):
    thing = db.get_or_404(Asset, asset_id)
    form = _asset_edit_form(thing)
    if not form.validate_on_submit():
        return _asset_page(thing, form, 422)
    services.update_asset(
        thing,
        name=form.name.data.strip(),
        kind=(form.kind.data or "").strip(),
        location=db.session.get(Location, form.location.data),
    )
    flash(_("Saved."))
    return redirect(url_for("locations.asset", asset_id=thing.id), 303)


@bp.post("/assets/<int:asset_id>/archive")
@registry_editor
def archive_asset(asset_id):
    thing = db.get_or_404(Asset, asset_id)
    if ActionForm().validate_on_submit():
        services.set_asset_archived(thing, request.form.get("restore") != "1")
    return redirect(url_for("locations.asset", asset_id=thing.id), 303)


def _asset_edit_form(thing: Asset) -> AssetForm:
    form = AssetForm(obj=thing)
    del form.tag
    form.location.choices = location_choices(thing.site)
    if not form.is_submitted():
        form.location.data = thing.location_id
    return form


def _asset_page(thing, form, status):
    return render_template(
        "admin/places/asset.html",
        asset=thing,
        form=form,
        offers_form=_offers_form(thing),
        tag=services.active_tag(thing),
    ), status


# ---------------------------------------------------------------- offers and tags
def _place(kind: str, ident: int):
    if kind == "assets":
        return db.get_or_404(Asset, ident)
    if kind == "locations":
        return db.get_or_404(Location, ident)
    abort(404)


def _place_url(place) -> str:
    if isinstance(place, Asset):
        return url_for("locations.asset", asset_id=place.id)
    return url_for("locations.location", location_id=place.id)


def _offers_form(place) -> OffersForm:
    form = OffersForm()
    form.categories.choices = [
        SelectChoice(ident, name if is_group else f"— {name}")
        for ident, name, is_group in offers.offer_choices()
    ]
    if not form.is_submitted():
        form.categories.data = sorted(offers.own_offers(place))
    return form


@bp.post("/<any(locations, assets):kind>/<int:ident>/offers")
@registry_editor
def set_offers(kind, ident):
    place = _place(kind, ident)
    form = _offers_form(place)
    if form.validate_on_submit():
        offers.set_offers(place, set(form.categories.data or ()))
        flash(_("Saved."))
    return redirect(_place_url(place) + "#offers", 303)


@bp.post("/<any(locations, assets):kind>/<int:ident>/tag")
@registry_editor
def issue_tag(kind, ident):
    """Gives the place a label, or replaces its current one (the old code stops working)."""
    place = _place(kind, ident)
    if ActionForm().validate_on_submit():
        tag = services.issue_tag(place)
        flash(_("New code %(code)s. Print its label and replace the old one.", code=tag.code))
    return redirect(_place_url(place) + "#tag", 303)
