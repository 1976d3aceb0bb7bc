"""What the worker does each tick, at a given moment: record SLA breaches, fire escalation
rules and hold reminders, close finished work nobody confirmed.

Everything fires once per request: a row in sla_firings is claimed first (INSERT … ON
CONFLICT DO NOTHING), and only the process whose insert went in acts, in the same
transaction. Two workers racing never tell anyone twice; a crash before commit leaves
nothing claimed, so the next tick tries again.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from wave import settings
from wave.extensions import db
from wave.requests import lifecycle, notices
from wave.requests.models import OPEN_STATUSES, ServiceRequest
from wave.requests.services import record
from wave.sla import hours, policies
from wave.sla.models import EscalationRule, Firing

LOOKBACK = timedelta(days=30)
"""How far back a tick looks for deadlines it has not handled (a worker down for a while)."""


def run(moment: datetime) -> dict[str, int]:
    """One tick at `moment`. Commits after each thing it does; returns counts by kind."""
    rules = Rules.load()
    done = {
        "breach:response": _breaches(moment, "response", rules),
        "breach:resolution": _breaches(moment, "resolution", rules),
        "not_taken": _not_taken(moment, rules),
        "due_soon": _due_soon(moment, rules),
        "resume": _resume_reminders(moment),
        "autoclose": _autoclose(moment),
    }
    return {key: count for key, count in done.items() if count}


class Rules:
    """The active escalation rules; for a request and a kind, the most specific applies
    (category and team named, then category, then team, then neither)."""

    def __init__(self, rules):
        self.rules = rules

    @classmethod
    def load(cls):
        return cls(db.session.scalars(select(EscalationRule).where(EscalationRule.active)).all())

    def for_request(self, kind: str, req) -> EscalationRule | None:
        categories = {req.category_id, req.category.parent_id} - {None}
        matching = [
            r
            for r in self.rules
            if r.kind == kind
            and (r.category_id is None or r.category_id in categories)
            and (r.team_id is None or r.team_id == req.team_id)
        ]
        key = lambda r: (r.category_id is not None, r.team_id is not None, -r.id)  # noqa: E731
        return max(matching, key=key, default=None)

    def largest(self, kind: str) -> int:
        return max((r.minutes or 0 for r in self.rules if r.kind == kind), default=0)


def claim(request_id: int, key: str, moment: datetime) -> bool:
    """Whether this process is the one that does `key` for the request (not committed)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Firing)
        .values(request_id=request_id, key=key, fired_at=moment)
        .on_conflict_do_nothing()
    )
    return db.session.execute(statement).rowcount == 1


def _not_fired(key: str):
    return ~exists().where(Firing.request_id == ServiceRequest.id, Firing.key == key)


def _candidates(*conditions):
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .options(selectinload(ServiceRequest.category), selectinload(ServiceRequest.site))
            .where(*conditions)
            .order_by(ServiceRequest.id)
        )
    )


def _may_fire(rule, req, moment) -> bool:
    """A rule fires in the site's working time unless it says 24/7."""
    return rule.always or hours.is_open(policies.calendar_for(req.site), moment)


def _breaches(moment, target: str, rules: Rules) -> int:
    """Record each missed deadline once as a timeline event, when it is noticed; tell the
    managers (by the rule for it) once, in working time."""
    due = getattr(ServiceRequest, f"{target}_due_at")
    key = f"breach:{target}"
    missed = _missed_response() if target == "response" else _missed_resolution()
    count = 0
    for req in _candidates(due <= moment, due > moment - LOOKBACK, missed):
        if claim(req.id, key, moment):
            record(
                req,
                "breached",
                None,
                target=target,
                due_at=getattr(req, f"{target}_due_at").isoformat(),
            )
            count += 1
        rule = rules.for_request(f"{target}_breached", req)
        still_waiting = (
            req.is_open
            and req.status != "on_hold"
            and (req.first_response_at is None if target == "response" else req.resolved_at is None)
        )
        if rule and still_waiting and _may_fire(rule, req, moment):
            if claim(req.id, rule.kind, moment):
                _escalate(req, rule.kind, rule)
        db.session.commit()
    return count


def _missed_response():
    return and_(
        or_(
            ServiceRequest.first_response_at.is_(None),
            ServiceRequest.first_response_at > ServiceRequest.response_due_at,
        ),
        # Cancelled in time is not a miss.
        or_(
            ServiceRequest.closed_at.is_(None),
            ServiceRequest.closed_at > ServiceRequest.response_due_at,
        ),
        or_(_not_fired("breach:response"), _not_fired("response_breached")),
    )


def _missed_resolution():
    waiting = and_(
        ServiceRequest.resolved_at.is_(None),
        ServiceRequest.status.in_(OPEN_STATUSES),
        # The clock stops on hold, unless the deadline had passed before the hold began.
        or_(
            ServiceRequest.status != "on_hold",
            ServiceRequest.hold_started_at >= ServiceRequest.resolution_due_at,
        ),
    )
    late = ServiceRequest.resolved_at > ServiceRequest.resolution_due_at
    return and_(
        or_(waiting, late),
        or_(_not_fired("breach:resolution"), _not_fired("resolution_breached")),
    )


def _not_taken(moment, rules: Rules) -> int:
    """Nobody took a new request within the rule's minutes (working minutes unless 24/7):
    the team and the managers are told, once."""
    largest = rules.largest("not_taken")
    if not largest:
        return 0
    count = 0
    for req in _candidates(
        ServiceRequest.status == "new",
        ServiceRequest.assignee_id.is_(None),
        ServiceRequest.created_at <= moment - timedelta(minutes=_minimum(rules)),
        ServiceRequest.created_at > moment - LOOKBACK,
        _not_fired("not_taken"),
    ):
        rule = rules.for_request("not_taken", req)
        if rule is None or not rule.minutes or not _may_fire(rule, req, moment):
            continue
        calendar = hours.ALWAYS if rule.always else policies.calendar_for(req.site)
        if moment < hours.add_business_time(
            calendar, req.created_at, timedelta(minutes=rule.minutes)
        ):
            continue
        if claim(req.id, "not_taken", moment):
            _escalate(req, "not_taken", rule, minutes=rule.minutes)
            count += 1
        db.session.commit()
    return count


def _minimum(rules: Rules) -> int:
    return min((r.minutes for r in rules.rules if r.kind == "not_taken" and r.minutes), default=0)


def _due_soon(moment, rules: Rules) -> int:
    """The assignee hears once when resolution is due within the rule's minutes."""
    largest = rules.largest("due_soon")
    if not largest:
        return 0
    count = 0
    for req in _candidates(
        ServiceRequest.status.in_(("assigned", "in_progress", "reopened")),
        ServiceRequest.assignee_id.is_not(None),
        ServiceRequest.resolution_due_at > moment,
        ServiceRequest.resolution_due_at <= moment + timedelta(minutes=largest),
        _not_fired("due_soon"),
    ):
        rule = rules.for_request("due_soon", req)
        if rule is None or not rule.minutes or not _may_fire(rule, req, moment):
            continue
        left = req.resolution_due_at - moment
        if left > timedelta(minutes=rule.minutes):
            continue
        if claim(req.id, "due_soon", moment):
            _escalate(req, "due_soon", rule, minutes=max(1, round(left.total_seconds() / 60)))
            count += 1
        db.session.commit()
    return count


def _resume_reminders(moment) -> int:
    """Work on hold with a resume time reminds its assignee then (in working time)."""
    count = 0
    for req in _candidates(
        ServiceRequest.status == "on_hold",
        ServiceRequest.resume_at <= moment,
        ServiceRequest.assignee_id.is_not(None),
    ):
        if not hours.is_open(policies.calendar_for(req.site), moment):
            continue
        if claim(req.id, f"resume:{req.resume_at.isoformat()}", moment):
            record(req, "reminder", None, resume_at=req.resume_at.isoformat())
            notices.tell(req, "resume")
            count += 1
        db.session.commit()
    return count


def _autoclose(moment) -> int:
    """Finished work the requester never confirmed closes after the set number of days."""
    days = settings.get("requests.autoclose_days")
    count = 0
    for req in _candidates(
        ServiceRequest.status == "done",
        ServiceRequest.resolved_at <= moment - timedelta(days=days),
    ):
        if lifecycle.auto_close(req, days):
            count += 1
    return count


def _escalate(req, kind: str, rule, **data) -> None:
    """The rule fired: written on the timeline and told to the people concerned."""
    record(req, "escalated", None, rule=kind, rule_id=rule.id, **data)
    notices.tell(req, kind, **data)
