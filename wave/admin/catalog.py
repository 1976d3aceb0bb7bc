"""Registry: the catalogue of request types (groups and their items) and tenant organisations.
Admins create, edit, move and archive; managers look. Nothing is deleted."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from wave.admin.access import registry_editor, registry_reader
from wave.admin.catalog_forms import SLA_CLASS, GroupForm, ItemForm, TenantForm
from wave.auth.models import Team
from wave.auth.services import RegistryError, active_teams
from wave.extensions import db
from wave.requests import catalog_admin as services
from wave.requests.models import Category, ServiceRequest, TenantOrg

bp = Blueprint("catalog", __name__, url_prefix="/admin")


@bp.app_context_processor
def _labels():
    return {"SLA_CLASS": SLA_CLASS}


def access_category(category_id: int) -> Category:
    return db.session.get(Category, category_id) or abort(404)


def access_tenant(tenant_id: int) -> TenantOrg:
    return db.session.get(TenantOrg, tenant_id) or abort(404)


def _team(team_id: int) -> Team | None:
    return db.session.get(Team, team_id) if team_id else None


# ------------------------------------------------------------------------ categories
@bp.get("/categories")
@registry_reader
def categories():
    archived = request.args.get("show") == "archived"
    return render_template(
        "admin/catalog/categories.html",
        catalogue=services.catalogue(include_archived=archived),
        archived=archived,
    )


@bp.route("/categories/new-group", methods=["GET", "POST"])
@registry_editor
def new_group():
    form = GroupForm(teams=active_teams())
    if form.validate_on_submit():
        try:
            group = services.create_group(
                name=form.name.data, default_team=_team(form.default_team.data)
            )
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Group %(name)s added.", name=group.name))
            return redirect(url_for("catalog.categories", _anchor=f"cat-{group.id}"), 303)
    page = render_template("admin/catalog/group_form.html", form=form, group=None)
    return page, 422 if form.errors else 200


@bp.route("/categories/new", methods=["GET", "POST"])
@registry_editor
def new_item():
    group = db.session.get(Category, request.args.get("group", 0, type=int))
    form = ItemForm(groups=services.groups(), teams=active_teams())
    if not form.is_submitted() and group is not None:
        form.group.data = group.id
        form.default_team.data = group.default_team_id or 0
    if form.validate_on_submit():
        try:
            item = services.create_item(
                db.session.get(Category, form.group.data), **form.item_fields(_team)
            )
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("%(name)s added.", name=item.label))
            return redirect(url_for("catalog.categories", _anchor=f"cat-{item.id}"), 303)
    page = render_template("admin/catalog/item_form.html", form=form, item=None)
    return page, 422 if form.errors else 200


@bp.get("/categories/<int:category_id>")
@registry_reader
def category(category_id):
    return _category_page(access_category(category_id), None, 200)


@bp.post("/categories/<int:category_id>")
@registry_editor
def save_category(category_id):
    category = access_category(category_id)
    form = _category_form(category, formdata=request.form)
    if form.validate_on_submit():
        try:
            if category.parent_id is None:
                services.update_group(
                    category, name=form.name.data, default_team=_team(form.default_team.data)
                )
            else:
                group = db.session.get(Category, form.group.data)
                services.update_item(category, group, **form.item_fields(_team))
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("catalog.categories", _anchor=f"cat-{category.id}"), 303)
    return _category_page(category, form, 422)


@bp.post("/categories/<int:category_id>/move")
@registry_editor
def move_category(category_id):
    category = access_category(category_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    services.move(category, step)
    return redirect(url_for("catalog.categories", _anchor=f"cat-{category.id}"), 303)


@bp.post("/categories/<int:category_id>/archive")
@registry_editor
def archive_category(category_id):
    category = services.archive_category(access_category(category_id))
    flash(_("%(name)s is archived: tenants and the desk no longer see it.", name=category.label))
    return redirect(url_for("catalog.category", category_id=category.id), 303)


@bp.post("/categories/<int:category_id>/unarchive")
@registry_editor
def unarchive_category(category_id):
    category = services.unarchive_category(access_category(category_id))
    flash(_("%(name)s is offered again.", name=category.label))
    return redirect(url_for("catalog.category", category_id=category.id), 303)


def _category_form(category, formdata=None):
    teams = active_teams()
    if category.default_team is not None and category.default_team not in teams:
        teams.append(category.default_team)  # archived since: still shown as it is
    obj = category if formdata is None else None
    if category.parent_id is None:
        form = GroupForm(formdata=formdata, obj=obj, teams=teams)
    else:
        groups = services.groups(also=category.parent)
        form = ItemForm(formdata=formdata, obj=obj, groups=groups, teams=teams)
        if formdata is None:
            form.group.data = category.parent_id
    if formdata is None:
        form.default_team.data = category.default_team_id or 0
    return form


def _category_page(category, form, status):
    used = db.session.scalar(
        select(func.count(ServiceRequest.id)).where(ServiceRequest.category_id == category.id)
    )
    items = []
    if category.parent_id is None:
        items = db.session.scalars(
            select(Category).where(Category.parent_id == category.id).order_by(Category.position)
        ).all()
    return render_template(
        "admin/catalog/category.html",
        category=category,
        form=form or _category_form(category),
        requests_filed=used,
        items=items,
    ), status


# -------------------------------------------------------------- tenant organisations
@bp.get("/tenants")
@registry_reader
def tenants():
    return _tenants_page(TenantForm(formdata=None), 200)


@bp.post("/tenants")
@registry_editor
def create_tenant():
    form = TenantForm()
    if form.validate_on_submit():
        try:
            org = services.create_tenant(name=form.name.data, sla_class=form.sla_class.data)
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("%(name)s added.", name=org.name))
            return redirect(url_for("catalog.tenants"), 303)
    return _tenants_page(form, 422)


def _tenants_page(form, status):
    archived = request.args.get("show") == "archived"
    query = select(TenantOrg).order_by(TenantOrg.name)
    query = query.where(
        TenantOrg.archived_at.is_not(None) if archived else TenantOrg.archived_at.is_(None)
    )
    orgs = db.session.scalars(query).all()
    page = render_template("admin/catalog/tenants.html", orgs=orgs, form=form, archived=archived)
    return page, status


@bp.get("/tenants/<int:tenant_id>")
@registry_reader
def tenant(tenant_id):
    org = access_tenant(tenant_id)
    return _tenant_page(org, TenantForm(obj=org, formdata=None), 200)


@bp.post("/tenants/<int:tenant_id>")
@registry_editor
def save_tenant(tenant_id):
    org = access_tenant(tenant_id)
    form = TenantForm()
    if form.validate_on_submit():
        try:
            services.update_tenant(org, name=form.name.data, sla_class=form.sla_class.data)
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("catalog.tenant", tenant_id=org.id), 303)
    return _tenant_page(org, form, 422)


@bp.post("/tenants/<int:tenant_id>/archive")
@registry_editor
def archive_tenant(tenant_id):
    org = services.archive_tenant(access_tenant(tenant_id))
    flash(_("%(name)s is archived.", name=org.name))
    return redirect(url_for("catalog.tenant", tenant_id=org.id), 303)


@bp.post("/tenants/<int:tenant_id>/unarchive")
@registry_editor
def unarchive_tenant(tenant_id):
    org = services.unarchive_tenant(access_tenant(tenant_id))
    return redirect(url_for("catalog.tenant", tenant_id=org.id), 303)


def _tenant_page(org, form, status):
    used = db.session.scalar(
        select(func.count(ServiceRequest.id)).where(ServiceRequest.tenant_org_id == org.id)
    )
    page = render_template("admin/catalog/tenant.html", org=org, form=form, requests_filed=used)
    return page, status
