"""/sla: the service levels managers keep (admins too): SLA targets, when each site works,
and who is told when work slips. Other roles get 403."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wave import settings
from wave.auth.access import roles_required
from wave.auth.models import Team
from wave.auth.services import RegistryError, active_teams
from wave.extensions import db
from wave.qr.models import Site
from wave.requests.catalog import active_items
from wave.requests.models import Category
from wave.sla import admin as services
from wave.sla.forms import (
    RULE_KIND,
    AutocloseForm,
    CheckForm,
    HolidayForm,
    HoursForm,
    PolicyForm,
    RuleForm,
    category_choices,
)
from wave.sla.models import EscalationRule, Holiday, SlaPolicy
from wave.sla.policies import targets_for

bp = Blueprint("sla", __name__, url_prefix="/sla")

sla_editor = roles_required("admin", "manager")
"""Every SLA page, to look and to change: managers run the service levels, admins may too."""


@bp.app_context_processor
def _labels():
    return {"RULE_KIND": RULE_KIND}


def access_policy(policy_id: int) -> SlaPolicy:
    return db.session.get(SlaPolicy, policy_id) or abort(404)


def access_site(site_id: int) -> Site:
    return db.session.get(Site, site_id) or abort(404)


def access_rule(rule_id: int) -> EscalationRule:
    return db.session.get(EscalationRule, rule_id) or abort(404)


def _category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id) if category_id else None


def _team(team_id: int) -> Team | None:
    return db.session.get(Team, team_id) if team_id else None


# --------------------------------------------------------------------------- policies
@bp.get("/policies")
@sla_editor
def policies():
    return _policies_page(PolicyForm(formdata=None, categories=_categories()), 200)


@bp.post("/policies")
@sla_editor
def add_policy():
    form = PolicyForm(categories=_categories())
    if form.validate_on_submit():
        try:
            policy = services.save_policy(None, **form.policy_fields(_category))
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Row added."))
            return redirect(url_for("sla.policies", _anchor=f"policy-{policy.id}"), 303)
    return _policies_page(form, 422)


@bp.get("/policies/check")
@sla_editor
def check():
    """The 'what applies?' answer alone, for htmx to swap in as the choice changes."""
    return render_template("sla/_check.html", check=_check())


@bp.get("/policies/<int:policy_id>")
@sla_editor
def policy(policy_id):
    row = access_policy(policy_id)
    form = PolicyForm(formdata=None, obj=row, categories=_categories(row))
    form.category.data = row.category_id or 0
    form.priority.data, form.sla_class.data = row.priority or "", row.sla_class or ""
    return render_template("sla/policy.html", row=row, form=form)


@bp.post("/policies/<int:policy_id>")
@sla_editor
def save_policy(policy_id):
    row = access_policy(policy_id)
    form = PolicyForm(categories=_categories(row))
    if form.validate_on_submit():
        try:
            services.save_policy(row, **form.policy_fields(_category))
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("sla.policies", _anchor=f"policy-{row.id}"), 303)
    return render_template("sla/policy.html", row=row, form=form), 422


@bp.post("/policies/<int:policy_id>/delete")
@sla_editor
def delete_policy(policy_id):
    services.delete_policy(access_policy(policy_id))
    flash(_("Row deleted."))
    return redirect(url_for("sla.policies"), 303)


def _categories(row=None):
    also = _category(row.category_id) if row is not None and row.category_id else None
    return category_choices(active_items(), also)


def _check() -> dict:
    """The checker's form (from the query string) and, when it is filled in, its answer."""
    items = active_items()
    form = CheckForm(request.args, categories=category_choices(items, first=None), prefix="check")
    if not form.category.data and items:
        form.category.data = items[0].id
    category = _category(form.category.data)
    if category is None or not form.validate():
        return {"form": form, "targets": None, "category": category}
    targets = targets_for(category, form.priority.data, form.sla_class.data)
    return {"form": form, "targets": targets, "category": category}


def _policies_page(form, status):
    rows = services.policies()
    page = render_template(
        "sla/policies.html",
        rows=rows,
        categories=services.categories_of(rows),
        form=form,
        check=_check(),
    )
    return page, status


# -------------------------------------------------------------------------- calendars
@bp.get("/calendars")
@sla_editor
def calendars():
    return render_template("sla/calendars.html", calendars=services.calendars())


@bp.get("/calendars/<int:site_id>")
@sla_editor
def calendar(site_id):
    site = access_site(site_id)
    text = services.hours_of(site)
    form = HoursForm(formdata=None, mode="hours" if text else "always", hours=text or "")
    return _calendar_page(site, form, HolidayForm(formdata=None), 200)


@bp.post("/calendars/<int:site_id>")
@sla_editor
def save_hours(site_id):
    site = access_site(site_id)
    form = HoursForm()
    if form.validate_on_submit():
        try:
            services.set_hours(site, form.hours_text())
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("sla.calendar", site_id=site.id), 303)
    return _calendar_page(site, form, HolidayForm(formdata=None), 422)


@bp.post("/calendars/<int:site_id>/holidays")
@sla_editor
def add_holiday(site_id):
    site = access_site(site_id)
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            services.add_holiday(site, form.day.data, form.name.data or "")
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Holiday added."))
            return redirect(url_for("sla.calendar", site_id=site.id, _anchor="holidays"), 303)
    text = services.hours_of(site)
    hours_form = HoursForm(formdata=None, mode="hours" if text else "always", hours=text or "")
    return _calendar_page(site, hours_form, form, 422)


@bp.post("/calendars/<int:site_id>/holidays/<int:holiday_id>/delete")
@sla_editor
def remove_holiday(site_id, holiday_id):
    site = access_site(site_id)
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None or holiday.site_id != site.id:
        abort(404)
    services.remove_holiday(holiday)
    flash(_("Holiday removed."))
    return redirect(url_for("sla.calendar", site_id=site.id, _anchor="holidays"), 303)


def _calendar_page(site, form, holiday_form, status):
    page = render_template(
        "sla/calendar.html",
        site=site,
        form=form,
        holiday_form=holiday_form,
        holidays=services.holidays(site),
    )
    return page, status


# ------------------------------------------------------------------ escalation rules
@bp.get("/rules")
@sla_editor
def rules():
    return _rules_page(_rule_form(formdata=None), _autoclose_form(), 200)


@bp.post("/rules")
@sla_editor
def add_rule():
    form = _rule_form()
    if form.validate_on_submit():
        try:
            rule = services.save_rule(None, **form.rule_fields(_team, _category))
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Rule added."))
            return redirect(url_for("sla.rules", _anchor=f"rule-{rule.id}"), 303)
    return _rules_page(form, _autoclose_form(), 422)


@bp.get("/rules/<int:rule_id>")
@sla_editor
def rule(rule_id):
    row = access_rule(rule_id)
    form = _rule_form(row, formdata=None, obj=row)
    form.team.data, form.category.data = row.team_id or 0, row.category_id or 0
    return render_template("sla/rule.html", row=row, form=form)


@bp.post("/rules/<int:rule_id>")
@sla_editor
def save_rule(rule_id):
    row = access_rule(rule_id)
    form = _rule_form(row)
    if form.validate_on_submit():
        try:
            services.save_rule(row, **form.rule_fields(_team, _category))
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("sla.rules", _anchor=f"rule-{row.id}"), 303)
    return render_template("sla/rule.html", row=row, form=form), 422


@bp.post("/rules/<int:rule_id>/delete")
@sla_editor
def delete_rule(rule_id):
    services.delete_rule(access_rule(rule_id))
    flash(_("Rule deleted."))
    return redirect(url_for("sla.rules"), 303)


@bp.post("/autoclose")
@sla_editor
def save_autoclose():
    form = AutocloseForm()
    if form.validate_on_submit():
        try:
            services.set_autoclose_days(form.days.data)
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("sla.rules", _anchor="autoclose"), 303)
    return _rules_page(_rule_form(formdata=None), form, 422)


def _rule_form(row=None, **kwargs):
    teams = active_teams()
    team = _team(row.team_id) if row is not None and row.team_id else None
    if team is not None and team not in teams:
        teams.append(team)  # archived since: still shown as it is
    also = _category(row.category_id) if row is not None and row.category_id else None
    return RuleForm(teams=teams, categories=category_choices(active_items(), also), **kwargs)


def _autoclose_form():
    return AutocloseForm(formdata=None, days=settings.get("requests.autoclose_days"))


def _rules_page(form, autoclose_form, status):
    rows = services.rules()
    page = render_template(
        "sla/rules.html",
        rows=rows,
        teams=services.teams_of(rows),
        categories=services.categories_of(rows),
        form=form,
        autoclose_form=autoclose_form,
    )
    return page, status
