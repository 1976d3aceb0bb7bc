"""The workload light: green free, yellow busy, red overloaded, from open assigned work."""

from sqlalchemy import func, select

from wave import settings
from wave.extensions import db
from wave.requests.models import OPEN_STATUSES, ServiceRequest

LIGHTS = ("free", "busy", "overloaded")


def open_work(user_ids) -> dict[int, int]:
    """User id → open requests assigned to them, in one grouped query (absent: none)."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(ServiceRequest.assignee_id, func.count(ServiceRequest.id))
        .where(ServiceRequest.assignee_id.in_(user_ids), ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.assignee_id)
    )
    return dict(rows.all())


def thresholds() -> tuple[int, int]:
    """(busy, overloaded): from how many open requests the light turns yellow, and red."""
    return settings.get("workload.busy"), settings.get("workload.overloaded")


def light(count: int, busy: int, overloaded: int) -> str:
    if count >= overloaded:
        return "overloaded"
    if count >= busy:
        return "busy"
    return "free"
