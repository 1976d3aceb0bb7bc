"""Requests inside chats: turn a message into a request, and the request's card in the chat.

The chat pages are the messenger's; they include `requests/_card.html` for card messages and
render event messages with the `event_text` filter, both provided here.
"""

from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from wave.auth.access import staff_required
from wave.extensions import db, htmx
from wave.messenger import chats
from wave.requests import from_chat, lifecycle
from wave.requests.access import can_see
from wave.requests.forms import ActionForm, PlaceMixin
from wave.requests.models import Category, ServiceRequest
from wave.requests.places import offered, parse_place
from wave.requests.services import ActionError
from wave.web.forms import WaveForm

bp = Blueprint("from_chat", __name__)

_CHAT_PATHS = {"chats.thread": "/chats/{thread_id}", "chats.direct": "/chats/direct/{user_id}"}


class FromMessageForm(PlaceMixin, WaveForm):
    category = SelectField(
        _l("What is it?"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose what the problem is about."))],
    )
    description = TextAreaField(
        _l("What is wrong?"),
        validators=[
            DataRequired(message=_l("Please describe the problem.")),
            Length(max=4000, message=_l("Please keep it under 4000 characters.")),
        ],
    )
    assignee = SelectField(_l("Who does it?"), coerce=int)


@bp.route("/chats/messages/<int:message_id>/request", methods=["GET", "POST"])
@staff_required
def new(message_id):
    message, thread = from_chat.access_message(message_id, current_user)
    existing = from_chat.request_of(message)
    if existing is not None:
        if request.method == "POST":  # a second tap: the first one made it
            return redirect(chat_url("chats.thread", thread_id=thread.id), 303)
        return _page(message, thread, None, existing)
    if request.method == "GET":
        # She opened this message to act on it: the chat is read up to it, whatever the
        # page she left managed to report on the way out.
        chats.read(thread, current_user, message.id)
        return _page(message, thread, _prefilled(message, thread), None)
    form = FromMessageForm()
    _offer(form, thread)
    if form.finding():  # the place picker's "Find" without JavaScript: nothing is created
        return _page(message, thread, form, None)
    if not form.validate_on_submit():
        return _page(message, thread, form, None, 422)
    location, asset = parse_place(form.place.data)
    assignee = next((u for u in from_chat.members(thread) if u.id == form.assignee.data), None)
    from_chat.create_from_message(
        current_user,
        message,
        category=db.session.get(Category, form.category.data),
        location=location,
        asset=asset,
        description=form.description.data,
        assignee=assignee,
    )
    return redirect(chat_url("chats.thread", thread_id=thread.id), 303)


def _prefilled(message, thread) -> FromMessageForm:
    """The message's text, the chat's category and last place, and nobody in particular."""
    body = message.body or (_("Photo from the chat") if message.attachments else "")
    form = FromMessageForm(
        formdata=None,
        place=from_chat.default_place(thread, current_user),
        description=body,
        assignee=0,
    )
    form.category.data = _offer(form, thread) or 0
    return form


def _offer(form, thread) -> int | None:
    """Sets the choices; returns the category to preselect."""
    categories, preselect = from_chat.category_choices(thread)
    form.category.choices = [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(cid, name, optgroup=group) for cid, name, group in categories
    ]
    people = [
        SelectChoice(u.id, _("Me") if u.id == current_user.id else u.display_name)
        for u in from_chat.members(thread)
    ]
    people.sort(key=lambda choice: choice.value != current_user.id)  # "Me" first
    form.assignee.choices = [SelectChoice(0, _("Anyone in the team"))] + people
    return preselect


def _page(message, thread, form, existing, status=200):
    context = {"message": message, "thread": thread, "form": form, "existing": existing}
    if form is not None:
        context["places"] = offered(form.place_query.data or "", form.place.data)
    context["existing_visible"] = existing is not None and can_see(existing, current_user)
    return render_template("requests/from_message.html", **context), status


# ---------------------------------------------------------------- cards
class Card(NamedTuple):
    """What a card shows its viewer: the request (if they may see it), and what they may do."""

    req: ServiceRequest | None
    visible: bool
    can_take: bool
    can_start: bool
    can_finish: bool


@bp.app_template_global("request_card")
def request_card(message) -> Card:
    req = db.session.get(ServiceRequest, message.request_id) if message.request_id else None
    if req is None or not can_see(req, current_user):
        return Card(req, False, False, False, False)
    works = lifecycle.can_work(req, current_user)
    return Card(
        req,
        True,
        lifecycle.can_take(req, current_user),
        works and req.status in ("assigned", "reopened", "on_hold"),
        works and req.status in ("assigned", "in_progress", "on_hold", "reopened"),
    )


@bp.get("/chats/cards/<int:message_id>")
@staff_required
def card(message_id):
    message = from_chat.access_card(message_id, current_user)
    return _card(message)


@bp.post("/chats/cards/<int:message_id>/<any(take, start):action>")
@staff_required
def card_action(message_id, action):
    message = from_chat.access_card(message_id, current_user)
    req = db.session.get(ServiceRequest, message.request_id)
    if not can_see(req, current_user):
        return _card(message, status=403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _card(message, _("The form expired. Please try again."), 422)
    try:
        getattr(lifecycle, action)(req, current_user)
    except ActionError as exc:
        db.session.rollback()
        if _wants_fragment():
            return _card(message, str(exc), 422)
        flash(str(exc))
    if _wants_fragment():
        return _card(message)
    return redirect(url_for("requests.detail", request_id=req.id), 303)


def _wants_fragment() -> bool:
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _card(message, error=None, status=200):
    html = render_template("requests/_card.html", message=message, card_error=error)
    return html, status, {"Vary": "HX-Request"}


# ---------------------------------------------------------------- for the chat's templates
@bp.app_template_filter("event_text")
def event_text(message) -> str:
    """{{ message|event_text }}: an 'event' message (a status change) in the reader's words."""
    return from_chat.event_text(message)


@bp.app_template_global("chat_url")
def chat_url(endpoint: str, **values) -> str:
    """A chat page's URL; its fixed path while that page is not (yet) part of this app."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return _CHAT_PATHS[endpoint].format(**values)
