"""What a requester who left an e-mail address hears, and when.

They hear what the staff do with their request, in the language they wrote in (English when
that is unknown). Each e-mail names the request, its place and status, and carries the private
tracking link, where they answer. The news:
- someone is on it: the request gets its first person (taken or assigned from new, or again
  after they reopened it); handing it from one colleague to another is no news to them;
- work has started, and has resumed after a hold (their last e-mail said "on hold");
- on hold, with the reason; done (confirm or reopen); cancelled, with the reason;
- closed without them (by="autoclose": finished work nobody confirmed);
- a staff reply, with its text;
- a receipt only for a request someone typed in for them (the desk, for a caller), who has
  never seen its link.
Not: a receipt for a report sent through a QR code (the tenant is looking at the confirmation
page with that link, and a form anyone can fill in must not make Wave mail whatever address is
typed into it); the tenant's own steps (confirm, reopen, rating); anything not shown on the
tracking page (comments, photos, labor). Nothing is written when e-mail is off.
"""

import re

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from wave.notify import mail
from wave.web.urls import public_url

# Each piece of news: the subject, and the line the e-mail opens with.
NEWS = {
    "received": (_l("Request %(number)s: received"), _l("We have your request.")),
    "on_it": (_l("Request %(number)s: someone is on it"), _l("Someone is on it.")),
    "started": (_l("Request %(number)s: work has started"), _l("Work has started.")),
    "resumed": (_l("Request %(number)s: work has resumed"), _l("Work has resumed.")),
    "on_hold": (_l("Request %(number)s: on hold"), _l("On hold: %(reason)s")),
    "done": (
        _l("Request %(number)s: done — please confirm"),
        _l("Done — please confirm or reopen."),
    ),
    "cancelled": (_l("Request %(number)s: cancelled"), _l("Cancelled: %(reason)s")),
    "closed": (_l("Request %(number)s: closed"), _l("Closed.")),
    "reply": (_l("Request %(number)s: a reply from the service team"), _l("A reply to you:")),
}


def on_event(req, event) -> None:
    """Queue the requester's e-mail for this timeline event, if it is one they hear of
    (not committed; nothing without an address or with e-mail off)."""
    if not req.requester_email or not mail.enabled():
        return
    news = news_of(event)
    if news is None:
        return
    subject, headline = NEWS[news]
    data = event.data or {}
    with force_locale(_language(req)):
        body = render_template(
            "mail/request_news.txt",
            req=req,
            news=news,
            headline=str(headline) % {"reason": data.get("reason") or ""},
            text=data.get("text") or "",
            autoclosed=data.get("by") == "autoclose",
            tracking_url=public_url("public.tracking", token=req.tracking_token),
        )
        subject = str(subject) % {"number": req.number}
    mail.queue(req.requester_email, subject, _tidy(body), request_id=req.id)


def news_of(event) -> str | None:
    """Which news (a key of NEWS) the event is to the requester, or None."""
    data = event.data or {}
    if not event.public or data.get("by") == "tenant":
        return None
    if event.kind == "created":
        return "received" if event.actor_id is not None else None
    if event.kind in ("taken", "assigned"):
        return "on_it" if event.from_status != event.to_status else None
    if event.kind == "reply":
        return "reply"
    if event.kind != "status":
        return None
    if event.to_status == "in_progress":
        return "resumed" if event.from_status == "on_hold" else "started"
    return event.to_status if event.to_status in NEWS else None


def _language(req) -> str:
    languages = current_app.config["WAVE_LANGUAGES"]
    return req.requester_locale if req.requester_locale in languages else "en"


def _tidy(body: str) -> str:
    """The template's blank lines, at most one in a row."""
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", body).strip() + "\n"
