"""/plans: planned maintenance. Managers keep the plans (admins too); other roles get 403."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from wave.auth.access import roles_required
from wave.auth.models import User
from wave.auth.services import RegistryError
from wave.extensions import db
from wave.plans import services
from wave.plans.forms import PlanForm
from wave.plans.models import Plan
from wave.requests.catalog import active_items
from wave.requests.models import Category
from wave.requests.places import offered, parse_place
from wave.timeutil import now

bp = Blueprint("plans", __name__, url_prefix="/plans")

planner = roles_required("admin", "manager")


@bp.app_template_filter()
def recurrence(plan: Plan) -> str:
    """'every 3 months', in the reader's language."""
    if plan.every == 1:
        return {"day": _("every day"), "week": _("every week"), "month": _("every month")}[
            plan.unit
        ]
    if plan.unit == "day":
        return ngettext("every %(num)d day", "every %(num)d days", plan.every)
    if plan.unit == "week":
        return ngettext("every %(num)d week", "every %(num)d weeks", plan.every)
    return ngettext("every %(num)d month", "every %(num)d months", plan.every)


def access_plan(plan_id: int) -> Plan:
    return db.session.get(Plan, plan_id) or abort(404)


@bp.get("")
@planner
def index():
    return render_template("plans/index.html", plans=services.plans())


@bp.route("/new", methods=["GET", "POST"])
@planner
def new():
    form = PlanForm(active_items(), _people())
    return _edit(None, form)


@bp.route("/<int:plan_id>", methods=["GET", "POST"])
@planner
def edit(plan_id):
    plan = access_plan(plan_id)
    form = PlanForm(active_items(), _people(plan.assignee), also=plan.category, data=_data(plan))
    return _edit(plan, form)


def _people(also: User | None = None) -> list[tuple[int, str]]:
    """Who a plan's work may go to: everyone working here, by name (and the plan's own
    assignee, should they have left since)."""
    query = select(User.id, User.display_name).where(User.archived_at.is_(None))
    people = list(db.session.execute(query.order_by(User.display_name)))
    if also is not None and also.archived_at is not None:
        people.append((also.id, also.display_name))
    return [tuple(row) for row in people]


def _data(plan: Plan) -> dict:
    """The plan as the form shows it (the form's `category` is an id, the plan's a row)."""
    names = ("title", "description", "priority", "every", "unit", "starts_on", "at")
    return {
        **{name: getattr(plan, name) for name in names},
        "category": plan.category_id,
        "assignee": plan.assignee_id or 0,
        "place": plan.place_value,
    }


def _edit(plan: Plan | None, form: PlanForm):
    if not form.is_submitted():
        return _page(plan, form, 200)
    if form.finding():  # the place picker's "Find" without JavaScript: nothing is saved
        return _page(plan, form, 200)
    if form.validate_on_submit():
        location, asset = parse_place(form.place.data)
        try:
            plan = services.save(
                plan,
                title=form.title.data,
                description=form.description.data or "",
                category=db.session.get(Category, form.category.data),
                location=location,
                asset=asset,
                priority=form.priority.data,
                assignee=db.session.get(User, form.assignee.data) if form.assignee.data else None,
                every=form.every.data,
                unit=form.unit.data,
                starts_on=form.starts_on.data,
                at=form.at.data,
                actor=current_user,
                moment=now(),
            )
        except RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Plan saved."))
            return redirect(url_for("plans.index", _anchor=f"plan-{plan.id}"), 303)
    return _page(plan, form, 422)


def _page(plan, form, status):
    places = offered(form.place_query.data or "", form.place.data)
    return render_template("plans/plan.html", plan=plan, form=form, places=places), status


@bp.post("/<int:plan_id>/pause")
@planner
def pause(plan_id):
    services.pause(access_plan(plan_id), now())
    flash(_("Plan paused: it makes no requests until you resume it."))
    return redirect(url_for("plans.index", _anchor=f"plan-{plan_id}"), 303)


@bp.post("/<int:plan_id>/resume")
@planner
def resume(plan_id):
    try:
        services.resume(access_plan(plan_id), now())
    except RegistryError as exc:
        flash(str(exc))
    else:
        flash(_("Plan resumed."))
    return redirect(url_for("plans.index", _anchor=f"plan-{plan_id}"), 303)


@bp.post("/<int:plan_id>/delete")
@planner
def delete(plan_id):
    services.delete(access_plan(plan_id))
    flash(_("Plan deleted. The requests it made stay."))
    return redirect(url_for("plans.index"), 303)
