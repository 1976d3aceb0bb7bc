"""Moving a request through its lifecycle:
new → assigned → in_progress ⇄ on_hold → done → closed, plus reopened and cancelled.

Each action checks state and role, writes the timeline, commits, then publishes
request-changed to the people concerned.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update

from wave.extensions import db
from wave.files.images import Photo
from wave.realtime import publish_after_commit, user_room
from wave.requests import due, from_chat, notices, recipients, services
from wave.requests.models import RequestAttachment, ServiceRequest
from wave.requests.services import ActionError, attach_photos
from wave.timeutil import now

MAX_LABOR_MINUTES = 24 * 60


class AlreadyTaken(ActionError):
    """Someone else took the request first; .holder is who has it."""

    def __init__(self, holder):
        name = holder.display_name if holder else _l("someone")
        super().__init__(_l("%(name)s has already taken this request.", name=name))
        self.holder = holder


def can_work(req, actor) -> bool:
    """The assignee works a request; the desk may act for anyone."""
    return actor.is_desk or req.assignee_id == actor.id


def _may_take(req, actor) -> bool:
    """Team members take their team's work; the desk takes anything."""
    return actor.is_desk or req.team_id is None or req.team_id in actor.team_ids


def can_take(req, actor) -> bool:
    return req.assignee_id is None and req.status in ("new", "reopened") and _may_take(req, actor)


def take(req: ServiceRequest, actor) -> ServiceRequest:
    """The actor takes an unassigned request. Of two taking at once exactly one wins:
    the update only matches while nobody holds it. Raises AlreadyTaken for the loser."""
    if not _may_take(req, actor):
        raise ActionError(_l("This request belongs to another team."))
    moment = now()
    result = db.session.execute(
        update(ServiceRequest)
        .where(
            ServiceRequest.id == req.id,
            ServiceRequest.assignee_id.is_(None),
            ServiceRequest.status.in_(("new", "reopened")),
        )
        .values(
            assignee_id=actor.id,
            status="assigned",
            first_response_at=func.coalesce(ServiceRequest.first_response_at, moment),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(req)
        if req.assignee is None:  # cancelled meanwhile, say
            raise ActionError(_l("This request is no longer waiting to be taken."))
        raise AlreadyTaken(req.assignee)
    from_status = req.status
    db.session.refresh(req)
    record(req, "taken", actor, from_status=from_status, to_status="assigned", public=True)
    publish_change(req)
    db.session.commit()
    return req


def assign(req: ServiceRequest, actor, assignee) -> ServiceRequest:
    """The desk hands a request to a staff member (or changes hands). Commits; publishes."""
    if not actor.is_desk:
        raise ActionError(_l("Only the desk can assign requests."))
    if not req.is_open:
        raise ActionError(_l("This request is no longer open."))
    if assignee is None or not assignee.is_active:
        raise ActionError(_l("Choose someone to assign."), field="assignee")
    previous = req.assignee_id
    from_status = req.status
    req.assignee_id = assignee.id
    if req.status in ("new", "reopened"):
        req.status = "assigned"
    req.first_response_at = req.first_response_at or now()
    record(
        req,
        "assigned",
        actor,
        from_status=from_status,
        to_status=req.status,
        public=True,
        assignee_id=assignee.id,
        previous_assignee_id=previous,
    )
    notices.tell(req, "assigned", besides=actor)
    publish_change(req, also={user_room(previous)} if previous else set())
    db.session.commit()
    return req


def start(req: ServiceRequest, actor) -> ServiceRequest:
    """Work begins (or resumes after a hold). Commits; publishes."""
    _require_worker(req, actor)
    if req.status not in ("assigned", "reopened", "on_hold"):
        raise ActionError(_l("This request cannot be started now."))
    from_status = req.status
    moment = now()
    _end_hold(req, moment)
    req.status = "in_progress"
    req.started_at = req.started_at or moment
    record(req, "status", actor, from_status=from_status, to_status="in_progress", public=True)
    publish_change(req)
    db.session.commit()
    return req


def hold(req: ServiceRequest, actor, reason: str, resume_at=None) -> ServiceRequest:
    """Work waits (parts, access, the client). Needs a reason; resume_at is a reminder."""
    _require_worker(req, actor)
    if req.status not in ("assigned", "in_progress"):
        raise ActionError(_l("Only work in progress can be put on hold."))
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_l("Say why the work waits."), field="reason")
    if resume_at is not None and resume_at <= now():
        raise ActionError(_l("The resume time must be in the future."), field="resume_at")
    from_status = req.status
    req.status = "on_hold"
    req.hold_started_at = now()
    req.hold_reason = reason[:255]
    req.resume_at = resume_at
    record(
        req,
        "status",
        actor,
        from_status=from_status,
        to_status="on_hold",
        public=True,
        reason=req.hold_reason,
        resume_at=resume_at.isoformat() if resume_at else None,
    )
    publish_change(req)
    db.session.commit()
    return req


def complete(req: ServiceRequest, actor, labor_minutes: int | None, photos: list[Photo]):
    """The work is done. The category may demand a photo; labor minutes are recorded."""
    _require_worker(req, actor)
    if req.status not in ("assigned", "in_progress", "on_hold", "reopened"):
        raise ActionError(_l("This request cannot be completed now."))
    if req.category.requires_photo and not photos and not _has_completion_photo(req):
        raise ActionError(_l("This kind of work needs a photo of the result."), field="photo")
    if labor_minutes is not None and not 0 <= labor_minutes <= MAX_LABOR_MINUTES:
        raise ActionError(_l("Labor time must be between 0 and 1440 minutes."), field="labor")
    from_status = req.status
    moment = now()
    _end_hold(req, moment)
    attach_photos(req, photos, "completion", uploader=actor)
    if labor_minutes:
        req.labor_minutes += labor_minutes
        record(req, "labor", actor, minutes=labor_minutes, assignee_id=req.assignee_id)
    req.status = "done"
    req.resolved_at = moment
    req.started_at = req.started_at or moment
    record(
        req,
        "status",
        actor,
        from_status=from_status,
        to_status="done",
        public=True,
        photos=len(photos),
    )
    publish_change(req)
    db.session.commit()
    return req


def cancel(req: ServiceRequest, actor, reason: str) -> ServiceRequest:
    """Stop a request that will not be done (duplicate, not our job …). Needs a reason."""
    _require_worker(req, actor)
    if not req.is_open:
        raise ActionError(_l("This request is no longer open."))
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_l("Say why the request is cancelled."), field="reason")
    from_status = req.status
    _end_hold(req, now())
    req.status = "cancelled"
    req.cancel_reason = reason[:255]
    req.closed_at = now()
    record(
        req,
        "status",
        actor,
        from_status=from_status,
        to_status="cancelled",
        public=True,
        reason=req.cancel_reason,
    )
    publish_change(req)
    db.session.commit()
    return req


def confirm(req: ServiceRequest) -> ServiceRequest:
    """The tenant accepts the result: done → closed. Commits; publishes."""
    if req.status != "done":
        raise ActionError(_l("Only finished work can be confirmed."))
    req.status = "closed"
    req.closed_at = now()
    record(req, "status", None, from_status="done", to_status="closed", public=True, by="tenant")
    publish_change(req)
    db.session.commit()
    return req


def reopen(req: ServiceRequest, comment: str) -> ServiceRequest:
    """The tenant rejects the result with a comment: back to work with the same assignee."""
    if req.status != "done":
        raise ActionError(_l("Only finished work can be reopened."))
    comment = (comment or "").strip()
    if not comment:
        raise ActionError(_l("Tell us what is still wrong."), field="comment")
    req.status = "reopened"
    req.resolved_at = None
    record(
        req,
        "reopened",
        None,
        from_status="done",
        to_status="reopened",
        public=True,
        comment=comment[:2000],
        by="tenant",
    )
    notices.tell(req, "reopened")
    publish_change(req)
    db.session.commit()
    return req


def rate(req: ServiceRequest, rating: int, feedback: str | None) -> ServiceRequest:
    """The tenant rates finished work 1–5 (once). Commits; publishes."""
    if req.status not in ("done", "closed"):
        raise ActionError(_l("You can rate the work once it is done."))
    if req.rating is not None:
        raise ActionError(_l("You have already rated this request."))
    if rating not in range(1, 6):
        raise ActionError(_l("Choose from 1 to 5 stars."), field="rating")
    req.rating = rating
    req.feedback = (feedback or "").strip()[:2000] or None
    record(req, "rating", None, public=True, rating=rating)
    publish_change(req)
    db.session.commit()
    return req


def auto_close(req: ServiceRequest, days: int) -> bool:
    """Finished work the requester never confirmed closes by itself; of two workers only one
    closes it. Commits; publishes. Returns whether this call closed it."""
    result = db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == req.id, ServiceRequest.status == "done")
        .values(status="closed", closed_at=now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(req)
    record(
        req,
        "status",
        None,
        from_status="done",
        to_status="closed",
        public=True,
        by="autoclose",
        days=days,
    )
    publish_change(req)
    db.session.commit()
    return True


def _require_worker(req, actor):
    if not can_work(req, actor):
        if req.assignee_id is None:
            raise ActionError(_l("Take the request first."))
        raise ActionError(_l("Only the assignee or the desk can do this."))


def _end_hold(req, moment):
    if req.hold_started_at is not None:
        due.hold_ended(req, moment)
        req.hold_seconds += int((moment - req.hold_started_at).total_seconds())
        req.hold_started_at = None
        req.resume_at = None


def _has_completion_photo(req) -> bool:
    return db.session.query(
        RequestAttachment.query.filter_by(request_id=req.id, purpose="completion").exists()
    ).scalar()


def record(req, kind, actor=None, **fields):
    """services.record, and a staff member's change told in the request's thread too; the
    deadline the work faces follows its new state."""
    due.refresh_next_due(req)
    event = services.record(req, kind, actor, **fields)
    if actor is not None:
        from_chat.tell_thread(req, actor, event)
    return event


def publish_change(req, also: set[str] = frozenset()):
    publish_after_commit(
        "request-changed",
        {"id": req.id, "status": req.status},
        to=recipients.rooms_for(req) | set(also),
    )
    from_chat.publish_cards(req)  # the request's cards in chats show the change
