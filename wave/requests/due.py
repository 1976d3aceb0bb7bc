"""A request's SLA clock: when its response and resolution are due, in its site's working
time, paused while the work is on hold.

Response is met by the first take or assignment, or by the first reply to the requester
(whichever comes first: `first_response_at`). Resolution is met when the work is done.
Time on hold does not count towards resolution: the working time a hold lasted is added
to the resolution target when the hold ends.
"""

from datetime import datetime, timedelta

from wave.requests.models import OPEN_STATUSES
from wave.sla import hours, policies

SOON = timedelta(hours=1)
"""Less time left than this and the work is shown as due soon."""


def set_due_times(req) -> None:
    """(Re)compute both due times from the request's category, priority, SLA class, creation
    time and time on hold. Not committed."""
    targets = policies.targets_for(req.category, req.priority, req.sla_class)
    calendar = policies.calendar_for(req.site)
    req.response_due_at = _after(calendar, req.created_at, targets.response_minutes)
    req.resolution_due_at = _after(
        calendar, req.created_at, targets.resolution_minutes, req.sla_paused_seconds or 0
    )
    refresh_next_due(req)


def _after(calendar, start, minutes, paused_seconds=0):
    if not minutes:
        return None
    delta = timedelta(minutes=minutes, seconds=paused_seconds)
    return hours.add_business_time(calendar, start, delta)


def hold_ended(req, moment: datetime) -> None:
    """The working time of the hold that ends now stops counting; due times move. Call
    before hold_started_at is cleared. Not committed."""
    if req.hold_started_at is None:
        return
    calendar = policies.calendar_for(req.site)
    held = hours.business_time_between(calendar, req.hold_started_at, moment)
    req.sla_paused_seconds += int(held.total_seconds())
    set_due_times(req)


def refresh_next_due(req) -> None:
    """The deadline the work faces now (None on hold, finished, or without a target)."""
    if req.status not in OPEN_STATUSES or req.status == "on_hold":
        req.next_due_at = None
    elif req.first_response_at is None and req.response_due_at is not None:
        req.next_due_at = req.response_due_at
    else:
        req.next_due_at = req.resolution_due_at


def clock(req, moment: datetime) -> tuple[str, timedelta | None]:
    """How the request stands against its deadline: (state, time) with state one of
    'overdue' (time past it), 'soon' and 'ok' (time left), 'paused' (time left when the
    hold began), 'none' (no deadline)."""
    if req.status == "on_hold" and req.resolution_due_at and req.hold_started_at:
        return "paused", max(req.resolution_due_at - req.hold_started_at, timedelta(0))
    due = req.next_due_at
    if due is None:
        return "none", None
    if moment >= due:
        return "overdue", moment - due
    left = due - moment
    return ("soon" if left <= SOON else "ok"), left
