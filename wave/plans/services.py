"""Planned maintenance: keeping plans, and turning each occurrence into a request.

A plan's `next_at` is the only thing the worker reads: each tick makes a request for every
active plan whose moment has come (`run_due`), then moves `next_at` to the next occurrence,
in the same transaction. The request's submission key names the plan and the occurrence,
so two workers racing make one request, and a crash before commit leaves the occurrence
for the next tick. A worker that was down does not make up every missed occurrence: the
latest one is made, the earlier ones are skipped (a monthly check does not come as three
requests after a quarter's outage).
"""

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wave.auth.models import User
from wave.auth.services import RegistryError
from wave.extensions import db
from wave.plans.models import Plan
from wave.plans.recurrence import MAX_EVERY, UNITS
from wave.qr.models import Asset, Location
from wave.requests import services as requests
from wave.requests.models import PRIORITIES, Category

RUN_BATCH = 200
"""Plans handled per tick at most; the rest wait for the next tick (seconds later)."""


def plans() -> list[Plan]:
    """Every plan: active ones by when they come next, then the paused, by title."""
    query = select(Plan).options(
        joinedload(Plan.category).joinedload(Category.parent),
        joinedload(Plan.location).joinedload(Location.site),
        joinedload(Plan.asset),
        joinedload(Plan.last_request),
        joinedload(Plan.assignee),
    )
    rows = db.session.scalars(query).unique().all()
    return sorted(rows, key=lambda p: (p.next_at is None, p.next_at or p.created_at, p.title))


def save(
    plan: Plan | None,
    *,
    title: str,
    description: str,
    category: Category,
    location: Location | None,
    asset: Asset | None,
    priority: str,
    assignee: User | None = None,
    every: int,
    unit: str,
    starts_on: date,
    at: time,
    actor: User,
    moment: datetime,
) -> Plan:
    """Adds a plan (`plan` None) or changes one. A new schedule starts counting again: the
    next request is for its first occurrence at or after `moment` (nothing is made for
    dates already past). Commits. Raises RegistryError naming the field it refuses."""
    title = title.strip()
    if not title:
        raise RegistryError(_("Give the plan a name."), "title")
    if category.parent_id is None:
        raise RegistryError(_("Choose an item: requests are filed under items."), "category")
    if priority not in PRIORITIES:
        raise RegistryError(_("Choose a priority from the list."), "priority")
    if unit not in UNITS:
        raise RegistryError(_("Choose days, weeks or months."), "unit")
    if not 1 <= every <= MAX_EVERY:
        raise RegistryError(_("Use a whole number from 1 to %(most)d.", most=MAX_EVERY), "every")
    location = asset.location if asset else location
    if plan is None:
        plan = Plan(created_by_id=actor.id, created_at=moment)
    schedule = (starts_on, every, unit, at, location.id)
    changed = schedule != (plan.starts_on, plan.every, plan.unit, plan.at, plan.location_id)
    plan.title, plan.description, plan.priority = title, description.strip(), priority
    plan.category, plan.location, plan.asset = category, location, asset
    plan.assignee = assignee
    plan.starts_on, plan.every, plan.unit, plan.at = starts_on, every, unit, at
    if changed and plan.paused_at is None:
        _from(plan, moment)
    db.session.add(plan)
    db.session.commit()
    return plan


def pause(plan: Plan, moment: datetime) -> None:
    """No requests from the plan until it is resumed. Commits."""
    if plan.paused_at is None:
        plan.paused_at, plan.next_at = moment, None
        db.session.commit()


def resume(plan: Plan, moment: datetime) -> None:
    """The plan makes requests again, from its next occurrence after `moment` (those missed
    while paused are not made). Commits. Raises RegistryError if its place or category has
    been archived since."""
    if not plan.in_use:
        raise RegistryError(_("Its place or category is no longer in use: change the plan first."))
    if plan.paused_at is not None:
        plan.paused_at = None
        _from(plan, moment)
        db.session.commit()


def delete(plan: Plan) -> None:
    """Removes the plan; the requests it made stay. Commits."""
    db.session.delete(plan)
    db.session.commit()


def _from(plan: Plan, moment: datetime) -> None:
    plan.next_n = plan.schedule.first_from(moment)
    plan.next_at = plan.schedule.at_n(plan.next_n)


# ------------------------------------------------------------------------------ the worker
def run_due(moment: datetime) -> int:
    """Makes the requests whose time has come by `moment`; returns how many were made."""
    due = select(Plan.id).where(Plan.next_at <= moment).order_by(Plan.next_at).limit(RUN_BATCH)
    made = 0
    for plan_id in db.session.scalars(due).all():
        plan = db.session.get(Plan, plan_id)
        if plan is None or plan.next_at is None or plan.next_at > moment:
            continue  # another worker got there first
        if plan.in_use:
            made += make_request(plan, moment)
        else:  # its room, site, equipment or category was archived: no work there now
            pause(plan, moment)
    return made


def make_request(plan: Plan, moment: datetime) -> bool:
    """The request for the plan's latest occurrence due by `moment`; the plan moves on to
    the one after. False if another worker made it first. Commits."""
    n = plan.schedule.last_until(moment, since=plan.next_n)
    if n is None:
        return False
    plan_id, due = plan.id, plan.schedule.at_n(n)

    def move_on(req=None):
        plan.next_n = n + 1
        plan.next_at = plan.schedule.at_n(n + 1)
        if req is not None:
            plan.last_request_id = req.id

    _req, created = requests.create_planned(
        plan.title,
        plan_id,
        category=plan.category,
        location=plan.location,
        asset=plan.asset,
        description=_description(plan),
        priority=plan.priority,
        assignee=plan.assignee,
        submission_key=occurrence_key(plan_id, due),
        also=move_on,
    )
    if not created:
        # Made already: by another worker, which has moved the plan on — or, should the
        # schedule have come back to a moment it had before, long ago: then move on here.
        plan = db.session.get(Plan, plan_id, populate_existing=True)
        if plan is not None and plan.next_n <= n and plan.paused_at is None:
            move_on()
            db.session.commit()
    return created


def occurrence_key(plan_id: int, due: datetime) -> str:
    """The submission key of a plan's request for the occurrence due at `due`: by its moment,
    not its number, which starts again at 0 when the schedule is changed."""
    return f"plan:{plan_id}:{due.astimezone(UTC):%Y%m%dT%H%MZ}"


def _description(plan: Plan) -> str:
    return f"{plan.title}\n\n{plan.description}" if plan.description else plan.title
