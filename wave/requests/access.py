"""access_*(): the object the asker may see, or 404/403."""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from wave import reference
from wave.extensions import db
from wave.files.models import Attachment
from wave.qr.codes import normalize
from wave.qr.models import Asset, Location, QrTag
from wave.requests.models import RequestAttachment, ServiceRequest


def can_see(req: ServiceRequest, user) -> bool:
    """The desk sees everything; staff see their team's work, what they hold or entered."""
    return (
        user.is_desk
        or req.assignee_id == user.id
        or req.created_by_id == user.id
        or (req.team_id is not None and req.team_id in user.team_ids)
    )


def access_request(request_id: int, user) -> ServiceRequest:
    req = db.session.get(ServiceRequest, request_id)
    if req is None:
        abort(404)
    if not can_see(req, user):
        abort(403)
    return req


def access_tracked(token: str) -> ServiceRequest:
    """The request behind a tenant's tracking link; the token is the only key."""
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.tracking_token == token))
    if req is None:
        abort(404)
    return req


def access_attachment(req: ServiceRequest, attachment_id: int, *, public_only: bool) -> Attachment:
    """A file linked to this request (tenants only see the public ones), else 404."""
    query = select(RequestAttachment).where(
        RequestAttachment.request_id == req.id, RequestAttachment.attachment_id == attachment_id
    )
    if public_only:
        query = query.where(RequestAttachment.public.is_(True))
    link = db.session.scalar(query)
    if link is None:
        abort(404)
    return link.attachment


def find_tag(code: str) -> QrTag | None:
    """The tag with its place, from this process's reference data."""
    code = normalize(code)
    return reference.rows(("tag", code), lambda session: _tag(session, code))


def _tag(session, code: str) -> QrTag | None:
    tag = session.scalar(
        select(QrTag)
        .options(
            defer(QrTag.scan_count),  # changes with every scan: read where it is shown
            joinedload(QrTag.location).joinedload(Location.site),
            joinedload(QrTag.asset).joinedload(Asset.location).joinedload(Location.site),
        )
        .where(QrTag.code == code)
    )
    if tag is not None:
        tag.place_location.path  # noqa: B018  (loaded with it: the form shows where it is)
    return tag
