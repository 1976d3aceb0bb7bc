"""Notifications about a request: what each says and who gets it (wave.requests.recipients)."""

from wave.notify.services import anyone_may_want, notify
from wave.requests import recipients
from wave.web.urls import path_for


def tell(req, kind: str, *, besides=None, **data) -> None:
    """Notify the people concerned with `kind` about the request, except `besides` (the
    person who caused it). Not committed; delivered after commit."""
    if not anyone_may_want(kind):
        return  # e.g. news of every new request, which nobody has asked for
    people = {p for p in recipients.people_for(kind, req) if besides is None or p.id != besides.id}
    notify(
        people,
        kind,
        request_id=req.id,
        url=path_for("requests.detail", request_id=req.id),
        number=req.number,
        summary=summary(req),
        **data,
    )


def summary(req) -> str:
    """A line that says which request: its category and where."""
    place = req.asset or req.location or req.site
    return f"{req.category.name} · {place.name}"
