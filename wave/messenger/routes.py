"""Chats for staff (/chats): the blueprint and what its views share.

The views live in chat_routes (the list, a chat's page, groups, members, mute) and
message_routes (messages: fragments, send, edit, react, read marks, photos). Each starts
with access.access_thread; a fragment has its own URL; an invalid form comes back with 422
and what was typed; every action also works as a plain form post.
"""

from types import SimpleNamespace

from flask import Blueprint, redirect, render_template
from flask_login import current_user

from wave.extensions import htmx
from wave.messenger import listing, services, unread
from wave.timeutil import now

bp = Blueprint("chats", __name__)

PAGE = 50
"""Messages on a chat's page, and in each page of older ones."""


def wants_fragment() -> bool:
    """An htmx (or chat.js) request for a piece of the page, not a boosted or restored page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def fragment(template: str, status: int = 200, **context):
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def go(url: str):
    """After an action: htmx follows with a full page load, a plain post with a redirect."""
    if wants_fragment():
        return "", 204, {"HX-Redirect": url}
    return redirect(url, 303)


def message_context(thread, members=None, messages=None) -> dict:
    """What _message.html needs besides the message: read marks for the receipts, which
    only the asker's own messages show. Given the `messages` to be shown, the roster is read
    only if one of them is the asker's: chat.js fetches each new message into every open
    copy of the chat, and a 200-member roster made that fetch cost twice as much."""
    if members is None:
        own = messages is None or any(m.author_id == current_user.id for m in messages)
        members = listing.roster(thread) if own else []
    return {"thread": thread, "members": members, "reactions": services.REACTIONS}


SKETCH_ID = 1_987_654_321
"""The sketch's message id: chat.js puts a new message's id wherever it appears."""


def sketch(thread) -> SimpleNamespace:
    """A stand-in text message by someone else, for the chat page's <template>: chat.js draws a
    new plain message from its event into a copy of it (id, author, text, time), so each open
    copy of the chat shows it without a request, in the reader's language and with the
    reader's CSRF token. Each used to fetch every new message."""
    return SimpleNamespace(
        id=SKETCH_ID,
        thread_id=thread.id,
        kind="text",
        author_id=0,
        author=SimpleNamespace(display_name="author"),
        client_id=None,
        body="text",
        reply_to=None,
        reply_to_id=None,
        request_id=None,
        attachments=[],
        versions=[],
        reactions=[],
        created_at=now(),
    )


@bp.app_template_global()
def chat_unread_total() -> int:
    """The total on the Chats badge (see wave.messenger.unread), at most unread.BADGE_CAP."""
    if not current_user.is_authenticated:
        return 0
    return unread.total(current_user)


@bp.app_template_filter()
def badge(total: int) -> str:
    """The badge's text: the number, "99+" above 99."""
    return unread.badge_text(total)


from wave.messenger import chat_routes, message_routes  # noqa: E402, F401  (views on bp)
