"""A requester's contact details, erased on their request: the name, phone and e-mail go from
the request (and, if asked, from every request with the same phone or e-mail) and from the
e-mails stored for them. The requests, their timelines and every report figure stay; each
erased request's timeline says who erased it and when, and nothing of what was erased."""

from sqlalchemy import delete, func, or_, select

from wave.extensions import db
from wave.notify.models import OutboundEmail
from wave.requests.lifecycle import publish_change, record
from wave.requests.models import ServiceRequest
from wave.search import matching
from wave.search.criteria import MIN_PHONE_DIGITS, phone_digits

ERASERS = ("admin", "manager")


def may_erase(user) -> bool:
    return user.role in ERASERS


def has_contact(req: ServiceRequest) -> bool:
    return bool(req.requester_name or req.requester_phone or req.requester_email)


def same_contact(req: ServiceRequest) -> list[ServiceRequest]:
    """The other requests left with the same phone (its digits) or e-mail (in any case),
    newest first. A name alone matches nothing: names are shared."""
    found = []
    if req.requester_email:
        found.append(matching.email_is(req.requester_email))
    digits = phone_digits(req.requester_phone or "")
    if len(digits) >= MIN_PHONE_DIGITS:
        found.append(matching.phone_is(digits))
    if not found:
        return []
    query = select(ServiceRequest).where(or_(*found), ServiceRequest.id != req.id)
    return list(db.session.scalars(query.order_by(ServiceRequest.id.desc())))


def erase_contact(actor, req: ServiceRequest, *, everywhere: bool) -> int:
    """Erase the requester's contact from `req`, and from the requests with the same phone or
    e-mail if `everywhere`; their stored e-mails (sent or not) go too. Returns how many
    requests lost a contact. Commits; publishes request-changed for each."""
    erased = [req] + (same_contact(req) if everywhere else [])
    erased = [r for r in erased if has_contact(r)]
    # Everywhere: e-mails to the address of no request of hers go too; else her address
    # stays on her other requests, and so do their e-mails.
    addresses = (
        {r.requester_email.strip().lower() for r in erased if r.requester_email}
        if everywhere
        else set()
    )
    for r in erased:
        r.requester_name = r.requester_phone = r.requester_email = None
        record(r, "contact_erased", actor)
        publish_change(r)
    if erased:
        mail = OutboundEmail.request_id.in_([r.id for r in erased])
        if addresses:
            mail = or_(mail, func.lower(func.trim(OutboundEmail.to_address)).in_(addresses))
        db.session.execute(delete(OutboundEmail).where(mail))
    db.session.commit()
    return len(erased)
