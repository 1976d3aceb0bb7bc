"""Registry: sites, their location tree and assets, what each place offers, and its QR tag."""

from collections import defaultdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import SelectChoice

from wave.admin.access import registry_editor, registry_reader
from wave.admin.place_forms import KIND_LABELS, LocationForm, SiteForm
from wave.extensions import db
from wave.qr import services
from wave.qr.models import Asset, Location, QrTag, Site
from wave.requests.forms import ActionForm

bp = Blueprint("places", __name__, url_prefix="/admin")


# ---------------------------------------------------------------- sites
@bp.get("/places")
@registry_reader
def sites():
    return _sites_page(SiteForm(), 200)


@bp.post("/places")
@registry_editor
def create_site():
    form = SiteForm()
    if not form.validate_on_submit():
        return _sites_page(form, 422)
    site = services.create_site(
        name=form.name.data.strip(), address=form.address.data, timezone=form.timezone.data
    )
    return redirect(url_for("places.site", site_id=site.id), 303)


def _sites_page(form, status):
    counts = dict(
        db.session.execute(select(Location.site_id, func.count()).group_by(Location.site_id)).all()
    )
    all_sites = db.session.scalars(select(Site).order_by(Site.archived_at.is_not(None), Site.name))
    return render_template(
        "admin/places/sites.html", sites=all_sites.all(), counts=counts, form=form
    ), status


@bp.get("/sites/<int:site_id>")
@registry_reader
def site(site_id):
    site = db.get_or_404(Site, site_id)
    return _site_page(site, SiteForm(obj=site), _location_form(site), 200)


@bp.post("/sites/<int:site_id>")
@registry_editor
def update_site(site_id):
    site = db.get_or_404(Site, site_id)
    form = SiteForm()
    if not form.validate_on_submit():
        return _site_page(site, form, _location_form(site), 422)
    services.update_site(
        site, name=form.name.data.strip(), address=form.address.data, timezone=form.timezone.data
    )
    flash(_("Saved."))
    return redirect(url_for("places.site", site_id=site.id), 303)


@bp.post("/sites/<int:site_id>/archive")
@registry_editor
def archive_site(site_id):
    site = db.get_or_404(Site, site_id)
    if ActionForm().validate_on_submit():
        services.set_site_archived(site, request.form.get("restore") != "1")
    return redirect(url_for("places.site", site_id=site.id), 303)


@bp.post("/sites/<int:site_id>/locations")
@registry_editor
def create_location(site_id):
    site = db.get_or_404(Site, site_id)
    form = _location_form(site)
    if not form.validate_on_submit():
        return _site_page(site, SiteForm(obj=site), form, 422)
    parent = db.session.get(Location, form.parent.data) if form.parent.data else None
    location = services.create_location(
        site, parent=parent, name=form.name.data.strip(), kind=form.kind.data, tag=form.tag.data
    )
    flash(_("%(name)s added.", name=location.name))
    return redirect(url_for("places.site", site_id=site.id, _anchor=f"loc-{location.id}"), 303)


def _site_page(site, form, location_form, status):
    return render_template(
        "admin/places/site.html",
        site=site,
        form=form,
        location_form=location_form,
        tree=site_tree(site),
        kinds=KIND_LABELS,
    ), status


def site_tree(site: Site) -> list[dict]:
    """The site's locations as nested nodes with their assets and tag codes (four queries)."""
    locations = db.session.scalars(
        select(Location).where(Location.site_id == site.id).order_by(Location.name)
    ).all()
    assets = db.session.scalars(
        select(Asset).where(Asset.site_id == site.id).order_by(Asset.name)
    ).all()
    tags = db.session.execute(
        select(QrTag.location_id, QrTag.asset_id, QrTag.code).where(
            QrTag.revoked_at.is_(None),
            (QrTag.location_id.in_([loc.id for loc in locations]))
            | (QrTag.asset_id.in_([a.id for a in assets])),
        )
    ).all()
    location_tag = {t.location_id: t.code for t in tags if t.location_id}
    asset_tag = {t.asset_id: t.code for t in tags if t.asset_id}
    assets_at = defaultdict(list)
    for asset in assets:
        assets_at[asset.location_id].append({"asset": asset, "code": asset_tag.get(asset.id)})
    nodes = {
        loc.id: {
            "location": loc,
            "code": location_tag.get(loc.id),
            "children": [],
            "assets": assets_at[loc.id],
        }
        for loc in locations
    }
    roots = []
    for loc in locations:
        (nodes[loc.parent_id]["children"] if loc.parent_id else roots).append(nodes[loc.id])
    return roots


def location_choices(site: Site, exclude: set[int] = frozenset()) -> list[SelectChoice]:
    """Active locations of the site labelled with their path, minus `exclude`."""
    rows = db.session.execute(
        select(Location.id, Location.parent_id, Location.name).where(
            Location.site_id == site.id, Location.archived_at.is_(None)
        )
    ).all()
    by_id = {row.id: row for row in rows}

    def label(row):
        names = []
        while row is not None:
            names.append(row.name)
            row = by_id.get(row.parent_id)
        return " · ".join(reversed(names))

    pairs = sorted(
        ((row.id, label(row)) for row in rows if row.id not in exclude), key=lambda c: c[1]
    )
    return [SelectChoice(ident, text) for ident, text in pairs]


def _location_form(site, *, obj=None, exclude=frozenset()) -> LocationForm:
    form = LocationForm(obj=obj)
    form.parent.choices = [SelectChoice(0, _("Top of the site"))] + location_choices(site, exclude)
    if obj is not None and not form.is_submitted():
        form.parent.data = obj.parent_id or 0
    return form
