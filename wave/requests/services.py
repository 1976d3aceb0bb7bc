"""Creating requests. Every action writes the timeline, commits, then publishes."""

import secrets

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wave.auth.models import User
from wave.extensions import commit_keeping_loaded, db
from wave.files.images import Photo, store_photo
from wave.files.models import Attachment
from wave.messenger import services as messenger
from wave.qr.models import Asset, Location, QrTag
from wave.realtime import publish_after_commit
from wave.requests import due, notices, recipients, repeats, tenancy, tenant_mail
from wave.requests.models import (
    Category,
    RequestAttachment,
    RequestEvent,
    ServiceRequest,
)
from wave.timeutil import now


class ActionError(Exception):
    """An action the request's state or the actor's role does not allow; str() is for people."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


def record(req, kind, actor=None, *, from_status=None, to_status=None, public=False, **data):
    """Append one event to the request's timeline (not committed)."""
    event = RequestEvent(
        request_id=req.id,
        kind=kind,
        actor_id=actor.id if actor else None,
        from_status=from_status,
        to_status=to_status,
        public=public,
        data=data,
    )
    db.session.add(event)
    tenant_mail.on_event(req, event)
    return event


def attach_photos(req, photos: list[Photo], purpose: str, uploader=None) -> None:
    """Store photos and link them to the request (not committed)."""
    link_attachments(
        req, [store_photo(p, uploader.id if uploader else None) for p in photos], purpose
    )


def link_attachments(req, attachments: list[Attachment], purpose: str, public=True) -> None:
    """Link already stored files to the request (not committed); `public`: the tracking
    link's holder sees them too."""
    if not attachments:
        return
    db.session.flush()
    for attachment in attachments:
        db.session.add(
            RequestAttachment(
                request_id=req.id, attachment_id=attachment.id, purpose=purpose, public=public
            )
        )


def _new_request(
    *, category: Category, location, asset, source, description, contact, actor, language=None
):
    """A new request, not yet stored; the requester's e-mails in `language`, else in the
    language of the page it was made on."""
    location = asset.location if asset else location
    req = ServiceRequest(
        source=source,
        category_id=category.id,
        site_id=location.site_id,
        location_id=location.id,
        asset_id=asset.id if asset else None,
        description=description.strip(),
        priority=category.default_priority,
        status="new",
        team_id=category.default_team_id,
        tracking_token=secrets.token_urlsafe(24),
        created_by_id=actor.id if actor else None,
        requester_name=contact.get("name") or None,
        requester_phone=contact.get("phone") or None,
        requester_email=contact.get("email") or None,
    )
    if org := tenancy.tenant_for(location):
        req.tenant_org_id, req.sla_class = org.id, org.sla_class
    req.category, req.site = category, location.site
    req.requester_locale = language or str(get_locale() or "en")
    repeats.take_turn(req)  # of two at once, the later is created after the earlier's commit
    req.created_at = now()
    due.set_due_times(req)
    repeats.link(req)  # before it joins the session: the lookup must not flush it
    db.session.add(req)
    return req


def submit_from_tag(
    tag: QrTag,
    *,
    category: Category,
    description: str,
    photos: list[Attachment],
    contact: dict,
    submission_key: str | None,
) -> tuple[ServiceRequest, bool]:
    """A tenant's report from a scanned code. Returns (request, created).

    A submission_key seen before returns that request instead of making a second one.
    Commits; publishes request-created to the team and the desk.
    """
    req = _new_request(
        category=category,
        location=tag.location,
        asset=tag.asset,
        source="qr",
        description=description,
        contact=contact,
        actor=None,
    )
    req.qr_tag_id = tag.id
    req.submission_key = submission_key
    return _create_once(req, photos, actor=None)


def create_from_desk(
    actor,
    *,
    category: Category,
    location: Location | None,
    asset: Asset | None,
    description: str,
    priority: str,
    contact: dict,
    photos: list[Attachment],
    language: str | None = None,
    submission_key=None,
) -> tuple[ServiceRequest, bool]:
    """A request typed in by the desk for a phone caller (source: desk), who hears of it in
    `language` (default: the desk's). Commits; publishes."""
    req = _new_request(
        category=category,
        location=location,
        asset=asset,
        source="desk",
        description=description,
        contact=contact,
        actor=actor,
        language=language,
    )
    req.priority = priority
    req.submission_key = submission_key
    return _create_once(req, photos, actor=actor)


def create_from_api(
    via: str,
    *,
    category: Category,
    location: Location | None,
    asset: Asset | None,
    description: str,
    priority: str | None,
    contact: dict,
    submission_key: str | None,
    also=None,
) -> tuple[ServiceRequest, bool]:
    """A request sent by another system through the API (source: api); `via` names that
    system in the timeline; `also(request)` runs in the same transaction once the request has
    its id. Commits; publishes."""
    req = _new_request(
        category=category,
        location=location,
        asset=asset,
        source="api",
        description=description,
        contact=contact,
        actor=None,
    )
    req.priority = priority or req.priority
    req.submission_key = submission_key
    then = (lambda: also(req)) if also else None
    return _create_once(req, [], actor=None, also=then, via=via)


def create_planned(
    plan: str,
    plan_id: int,
    *,
    category: Category,
    location: Location | None,
    asset: Asset | None,
    description: str,
    priority: str,
    submission_key: str,
    assignee: User | None = None,
    also=None,
) -> tuple[ServiceRequest, bool]:
    """A request made by the worker from a maintenance plan (source: schedule); `plan` names
    it in the timeline (`plan_id` links it for managers). `submission_key` names the plan's
    occurrence: two workers making the same one make one request. Given to `assignee` if
    they still work here, else to anyone in the category's team. `also(request)` runs in the
    same transaction. Commits; publishes."""
    req = _new_request(
        category=category,
        location=location,
        asset=asset,
        source="schedule",
        description=description,
        contact={},
        actor=None,
        language="en",
    )
    req.priority = priority
    req.submission_key = submission_key
    given = assignee is not None and assignee.is_active
    if given:
        _given_on_creation(req, assignee.id)

    def then():
        if given:
            record(
                req,
                "assigned",
                None,
                from_status="new",
                to_status="assigned",
                public=True,
                assignee_id=req.assignee_id,
            )
            notices.tell(req, "assigned")
        if also is not None:
            also(req)

    return _create_once(req, [], actor=None, also=then, plan=plan, plan_id=plan_id)


def _given_on_creation(req, assignee_id: int) -> None:
    """A new request given to someone as it is made: assigned, and its first response met at
    once (an assignment is a response). The caller records the event once it has an id."""
    req.assignee_id, req.status, req.first_response_at = assignee_id, "assigned", req.created_at


def _create_once(req, photos, actor, also=None, **created) -> tuple[ServiceRequest, bool]:
    """Store a new request, unless its submission_key is taken: a retry, a double tap, or the
    same post racing in another process. Then the stored request is the answer.

    `also()` runs once the request has its id, inside the same transaction (a chat's card);
    `created`: more to note in the "created" event."""
    try:
        _finish_creation(req, photos, actor, also, created)
    except IntegrityError:
        db.session.rollback()
        existing = _by_submission_key(req.submission_key) if req.submission_key else None
        if existing is None:
            raise
        return existing, False
    return req, True


def _finish_creation(req, photos, actor, also, created):
    req.thread = messenger.open_thread("request")  # the request's discussion
    db.session.flush()
    link_attachments(req, photos, "report")
    record(req, "created", actor, to_status="new", public=True, source=req.source, **created)
    if also is not None:
        also()
    notices.tell(req, "new_for_team", besides=actor)
    publish_after_commit("request-created", _payload(req), to=recipients.rooms_for(req))
    commit_keeping_loaded()  # the answer (a redirect to its tracking page) reads nothing back


def _by_submission_key(key: str) -> ServiceRequest | None:
    return db.session.scalar(select(ServiceRequest).where(ServiceRequest.submission_key == key))


def _payload(req) -> dict:
    return {"id": req.id, "status": req.status}
