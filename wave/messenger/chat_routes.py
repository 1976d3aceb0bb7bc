"""Chat views: the list, a chat's page, new groups and direct chats, members, mute."""

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from wave.auth.access import staff_required
from wave.auth.models import User
from wave.extensions import db
from wave.messenger import chats, listing, services
from wave.messenger import unread as unread_counts
from wave.messenger.access import access_thread
from wave.messenger.chats import ChatError
from wave.messenger.forms import AddPeopleForm, ComposeForm, GroupForm, MuteForm
from wave.messenger.models import Message
from wave.messenger.routes import (
    PAGE,
    bp,
    fragment,
    go,
    message_context,
    sketch,
    wants_fragment,
)


# ---------------------------------------------------------------- the list
@bp.get("/chats")
@staff_required
def index():
    """The list's first page, or (?cursor=, the "Show more" link without JavaScript) a later
    one."""
    return _index_page(GroupForm(formdata=None))


@bp.get("/chats/list")
@staff_required
def chat_list():
    """The whole list again (a live refresh): from the top, or after ?cursor=, down to the
    last row shown (?through=, chat.js sends it) so that pages opened stay open."""
    after = listing.Key.parse(request.args.get("cursor"))
    through = listing.Key.parse(request.args.get("through"))
    page = listing.chat_page(current_user, after, through)
    return fragment("messenger/_list.html", page=page, after=after)


@bp.get("/chats/list/more")
@staff_required
def chat_list_more():
    """The next page's rows, and the button for the one after ("Show more")."""
    after = listing.Key.parse(request.args.get("cursor"))
    page = listing.chat_page(current_user, after)
    return fragment("messenger/_list.html", page=page, after=after, appending=True)


@bp.get("/chats/unread")
@staff_required
def unread():
    """The badge: {"total": n} (muted chats and finished requests' discussions left out, at
    most unread.BADGE_CAP). With ?chats=1 also "chats": {id: n}, the chats whose messages may
    count, muted ones too. Every page asks for the total whenever a message comes into a chat
    of the reader's that is not on screen: that one query is all it costs."""
    answer = {"total": unread_counts.total(current_user)}
    if request.args.get("chats"):
        counts = unread_counts.counted_counts(current_user)
        answer["chats"] = {str(k): v for k, v in counts.items()}
    return jsonify(answer)


@bp.post("/chats/groups")
@staff_required
def create_group():
    form = GroupForm()
    form.people.choices = _colleague_choices()
    if form.validate_on_submit():
        try:
            thread = chats.create_group(current_user, form.title.data, _people(form.people.data))
        except ChatError as exc:
            form.title.errors = [str(exc)]
        else:
            return go(url_for("chats.thread", thread_id=thread.id))
    if wants_fragment():
        return fragment("messenger/_group_form.html", 422, group_form=form)
    return _index_page(form, 422)


def _index_page(group_form, status=200):
    if not group_form.people.choices:
        group_form.people.choices = _colleague_choices()
    after = listing.Key.parse(request.args.get("cursor"))
    page = listing.chat_page(current_user, after)
    context = {"page": page, "after": after, "group_form": group_form}
    return render_template("messenger/index.html", **context), status


@bp.post("/chats/direct/<int:user_id>")
@staff_required
def direct(user_id):
    """The chat with one colleague (made the first time); the directory's "Write" button."""
    other = db.session.get(User, user_id)
    if other is None or not other.is_active:
        abort(404)
    try:
        thread = chats.direct_chat(current_user, other)
    except ChatError:
        return go(url_for("chats.index"))
    return go(url_for("chats.thread", thread_id=thread.id))


# ---------------------------------------------------------------- a chat
@bp.get("/chats/<int:thread_id>")
@staff_required
def thread(thread_id):
    chat = access_thread(thread_id, current_user)
    form = ComposeForm(formdata=None, reply_to=request.args.get("reply_to", type=int))
    return render_template("messenger/thread.html", **thread_context(chat, form))


def thread_context(chat, form) -> dict:
    """A chat's page: its last PAGE messages (or those before ?before=), the compose form,
    members and their read marks. Makes the reader's membership row (team, request)."""
    me = chats.join_if_allowed(chat, current_user)
    before = request.args.get("before", type=int)
    messages = services.messages_of(chat.id, before=before, limit=PAGE)
    reply = db.session.get(Message, form.reply_to.data) if form.reply_to.data else None
    if reply is not None and reply.thread_id != chat.id:
        form.reply_to.data, reply = None, None
    first_unread = None
    if me is not None and before is None:
        first_unread = next(
            (m.id for m in messages if m.id > me.last_read_id and m.author_id != me.user_id), None
        )
    members = listing.roster(chat)
    return {
        **message_context(chat, members),
        **_info_context(chat, members=members),
        "title": listing.title_of(chat, current_user),
        "messages": messages,
        "older": messages[0].id if len(messages) == PAGE else None,
        "paged_back": before is not None,
        "form": form,
        "reply": reply,
        "first_unread": first_unread,
        "sketch": sketch(chat),
    }


@bp.post("/chats/<int:thread_id>/mute")
@staff_required
def mute(thread_id):
    chat = access_thread(thread_id, current_user)
    form = MuteForm()
    if not form.validate_on_submit():
        return _info(chat, 422, error=_("The form expired. Please try again."))
    chats.mute(chat, current_user, form.muted.data == "1")
    return _info(chat)


@bp.post("/chats/<int:thread_id>/members")
@staff_required
def add_members(thread_id):
    chat = access_thread(thread_id, current_user)
    form = AddPeopleForm()
    form.people.choices = _colleague_choices(exclude=services.member_ids(chat))
    if form.validate_on_submit():
        try:
            chats.add_people(chat, current_user, _people(form.people.data))
        except ChatError as exc:
            form.people.errors = [str(exc)]
        else:
            return _info(chat)
    return _info(chat, 422, add_form=form)


def _info(chat, status=200, **context):
    if wants_fragment():
        return fragment("messenger/_info.html", status, **_info_context(chat, **context))
    if status >= 400:
        form = ComposeForm(formdata=None)
        page = {**thread_context(chat, form), **_info_context(chat, **context)}
        return render_template("messenger/thread.html", **page), status
    return go(url_for("chats.thread", thread_id=chat.id))


def _info_context(chat, add_form=None, error=None, members=None) -> dict:
    members = listing.roster(chat) if members is None else members
    me = next((m for m in members if m.user_id == current_user.id), None)
    if chat.kind == "group" and add_form is None:
        add_form = AddPeopleForm(formdata=None)
        add_form.people.choices = _colleague_choices(exclude=[m.user_id for m in members])
    return {
        "thread": chat,
        "members": members,
        "me": me,
        "add_form": add_form if chat.kind == "group" else None,
        "info_error": error,
    }


# ---------------------------------------------------------------- colleagues
def _colleague_choices(exclude=()) -> list[tuple[int, str]]:
    """Active colleagues other than the asker (and `exclude`), by name."""
    skip = {current_user.id, *exclude}
    people = db.session.execute(  # two columns: on every chat list, for the group form
        select(User.id, User.display_name)
        .where(User.archived_at.is_(None))
        .order_by(User.display_name)
    )
    return [(user_id, name) for user_id, name in people if user_id not in skip]


def _people(ids) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.id.in_(ids), User.archived_at.is_(None)))
    )
