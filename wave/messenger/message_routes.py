"""Message views: fragments for paging and catching up, send, edit, react, read marks, photos.

chat.js appends what `messages?after=` returns and replaces one message with what
`messages/<id>` returns; both are the same partial the page renders.
"""

from flask import abort, jsonify, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from wave.auth.access import staff_required
from wave.extensions import db
from wave.files.storage import storage
from wave.messenger import chats, listing, services, unread
from wave.messenger.access import access_message, access_photo, access_thread
from wave.messenger.chat_routes import thread_context
from wave.messenger.chats import ChatError
from wave.messenger.forms import ComposeForm, EditForm, ReactForm, ReadForm
from wave.messenger.models import Message
from wave.messenger.routes import PAGE, bp, fragment, go, message_context, wants_fragment

CATCH_UP = 100
"""Messages per answer when catching up; the header X-Wave-More asks for the next page."""


@bp.get("/chats/<int:thread_id>/messages")
@staff_required
def messages(thread_id):
    """?before=<id>: the page of older messages (with the next "older" button);
    ?after=<id>: what came since, oldest first, at most CATCH_UP (X-Wave-More: 1 if more)."""
    chat = access_thread(thread_id, current_user)
    before = request.args.get("before", type=int)
    if before is not None:
        page = services.messages_of(chat.id, before=before, limit=PAGE)
        older = page[0].id if len(page) == PAGE else None
        return fragment(
            "messenger/_messages.html",
            messages=page,
            older=older,
            **message_context(chat, messages=page),
        )
    after = request.args.get("after", default=0, type=int)
    page = services.messages_after(chat.id, after, CATCH_UP + 1)
    page, more = page[:CATCH_UP], len(page) > CATCH_UP
    html, status, headers = fragment(
        "messenger/_messages.html", messages=page, **message_context(chat, messages=page)
    )
    if more:
        headers["X-Wave-More"] = "1"
    return html, status, headers


@bp.get("/chats/<int:thread_id>/messages/<int:message_id>")
@staff_required
def message(thread_id, message_id):
    chat = access_thread(thread_id, current_user)
    return _message(chat, access_message(chat, message_id))


def _message(chat, msg, status=200, members=None, **context):
    return fragment(
        "messenger/_message.html",
        status,
        message=msg,
        **message_context(chat, members, messages=[msg]),
        **context,
    )


@bp.post("/chats/<int:thread_id>/messages")
@staff_required
def post_message(thread_id):
    """Send a message. A resend with the same client_id answers with the stored message and
    stores no photos again. htmx/chat.js get the message's partial; a plain post a redirect."""
    chat = access_thread(thread_id, current_user)
    form = ComposeForm()
    sent, fresh = None, False
    if form.validate_on_submit():
        sent = services.find_sent(current_user, form.client_id.data)
        if sent is not None and sent.thread_id != chat.id:
            form.client_id.errors = [_("This message was already sent to another chat.")]
            sent = None
        elif sent is None:
            sent, fresh = _send(chat, form), True
    if sent is None:
        return _compose_invalid(chat, form)
    if wants_fragment():
        # Nobody else has read a message stored a moment ago: its receipt needs no roster,
        # which in a big chat is the dearest part of the answer.
        return _message(chat, sent, members=[] if fresh else None)
    return go(url_for("chats.thread", thread_id=chat.id, _anchor=f"message-{sent.id}"))


def _send(chat, form) -> Message | None:
    photos = form.receive_photos(current_user.id)
    if form.photo.errors:
        return None
    reply_to = None
    if form.reply_to.data:
        reply_to = db.session.get(Message, form.reply_to.data)
        if reply_to is None or reply_to.thread_id != chat.id:
            reply_to = None  # a quote from elsewhere is dropped, the message still goes
    try:
        message, _created = chats.send(
            chat,
            current_user,
            form.body.data,
            form.client_id.data,
            reply_to=reply_to,
            photos=photos,
            unsent=True,  # post_message has just looked for its client id
        )
    except ChatError as exc:
        form.body.errors = [*form.body.errors, str(exc)]
        return None
    return message


def _compose_invalid(chat, form):
    if form.errors.get("csrf_token"):
        form.body.errors = [*form.body.errors, _("The form expired. Please try again.")]
    if wants_fragment():
        return fragment("messenger/_compose.html", 422, thread=chat, form=form, reply=None)
    return render_template("messenger/thread.html", **thread_context(chat, form)), 422


@bp.post("/chats/<int:thread_id>/messages/<int:message_id>/edit")
@staff_required
def edit_message(thread_id, message_id):
    chat = access_thread(thread_id, current_user)
    msg = access_message(chat, message_id)
    form = EditForm()
    if form.validate_on_submit():
        try:
            chats.edit(msg, current_user, form.body.data)
        except ChatError as exc:
            form.body.errors = [str(exc)]
    if form.errors:
        db.session.rollback()
        return _answer(chat, msg, 422, edit_form=form)
    return _answer(chat, msg)


@bp.post("/chats/<int:thread_id>/messages/<int:message_id>/reactions")
@staff_required
def react(thread_id, message_id):
    chat = access_thread(thread_id, current_user)
    msg = access_message(chat, message_id)
    form = ReactForm()
    if not form.validate_on_submit():
        return _answer(chat, msg, 422)
    chats.react(msg, current_user, form.emoji.data)
    return _answer(chat, msg)


def _answer(chat, msg, status=200, **context):
    """The message's partial (htmx), or back to the chat at the message."""
    if wants_fragment():
        return _message(chat, msg, status, **context)
    if status >= 400:
        page = thread_context(chat, ComposeForm(formdata=None))
        return render_template("messenger/thread.html", **page), status
    return go(url_for("chats.thread", thread_id=chat.id, _anchor=f"message-{msg.id}"))


@bp.post("/chats/<int:thread_id>/read")
@staff_required
def mark_read(thread_id):
    """chat.js: the reader has seen the chat up to message_id. Answers with the badge's total
    afterwards ({"total": n}): the reader's page needs no second request to show it."""
    chat = access_thread(thread_id, current_user)
    form = ReadForm()
    if not form.validate_on_submit():
        return "", 422
    chats.read(chat, current_user, form.message_id.data)
    return jsonify(total=unread.total(current_user))


@bp.get("/chats/<int:thread_id>/receipts")
@staff_required
def receipts(thread_id):
    """The read receipts of the asker's own messages from ?after= on (chat.js swaps them in
    when someone reads the chat)."""
    chat = access_thread(thread_id, current_user)
    after = request.args.get("after", default=0, type=int)
    ids = db.session.scalars(
        select(Message.id)
        .where(
            Message.thread_id == chat.id,
            Message.author_id == current_user.id,
            Message.id >= after,
        )
        .order_by(Message.id.desc())
        .limit(CATCH_UP)
    )
    return fragment("messenger/_receipts.html", message_ids=list(ids), **message_context(chat))


@bp.get("/chats/notice")
@staff_required
def notice():
    """A short notice of a message (chat.js shows it when someone @mentions the asker)."""
    msg = db.session.get(Message, request.args.get("message_id", type=int) or 0)
    if msg is None:
        abort(404)
    chat = access_thread(msg.thread_id, current_user)
    title = listing.title_of(chat, current_user)
    return fragment("messenger/_notice.html", message=msg, thread=chat, title=title)


@bp.get("/chats/<int:thread_id>/photos/<int:attachment_id>/<any(full, thumb):variant>")
@staff_required
def photo(thread_id, attachment_id, variant):
    """A photo of a message: only for people who may read the chat."""
    chat = access_thread(thread_id, current_user)
    attachment = access_photo(chat, attachment_id)
    thumb = variant == "thumb" and attachment.thumb_key
    response = make_response(
        storage().read(attachment.thumb_key if thumb else attachment.storage_key)
    )
    response.headers["Content-Type"] = attachment.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
