"""Requests born in chats, and what the chats hear of them.

A chat message becomes a request (source 'chat') once: its photos are attached and a card
message carrying the request's id is posted into the chat. As the request moves, every card
of it is announced as changed to its chat, and each status change is told in the request's
own thread as an 'event' message whose body is a key (see `event_text`), never English.

The messenger knows nothing of this: it stores the card and event messages like any other.
"""

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from wave.auth.models import Team, User
from wave.extensions import db
from wave.messenger import access as messenger_access
from wave.messenger import services as messenger
from wave.messenger.models import Message, Thread, ThreadMember
from wave.qr.models import Asset, Location
from wave.realtime import publish_after_commit
from wave.requests import services
from wave.requests.catalog import active_items
from wave.requests.labels import STATUS
from wave.requests.models import Category, ServiceRequest, chat_categories

CHAT_KINDS = ("direct", "group", "team")
"""Chats whose messages can become requests (a request's own thread cannot)."""

TOLD_KINDS = ("taken", "assigned", "status", "reopened")
"""Timeline events that are also told in the request's thread."""


# ---------------------------------------------------------------- access
def access_message(message_id: int, user) -> tuple[Message, Thread]:
    """A person's text message in a chat the user may read, and its chat; else 404/403."""
    message = db.session.get(Message, message_id)
    if message is None:
        abort(404)
    thread = messenger_access.access_thread(message.thread_id, user)
    if message.kind != "text" or thread.kind not in CHAT_KINDS:
        abort(404)
    return message, thread


def access_card(message_id: int, user) -> Message:
    """A card message in a thread the user may read; else 404/403."""
    message = db.session.get(Message, message_id)
    if message is None or message.kind != "card" or message.request_id is None:
        abort(404)
    messenger_access.access_thread(message.thread_id, user)
    return message


def request_of(message: Message) -> ServiceRequest | None:
    """The request this message already became, if any."""
    return db.session.scalar(
        select(ServiceRequest).where(ServiceRequest.submission_key == _key(message))
    )


def _key(message: Message) -> str:
    # The unique submission_key makes "once per message" hold across processes too.
    return f"msg:{message.id}"


# ---------------------------------------------------------------- the form's choices
def category_choices(thread: Thread) -> tuple[list[tuple[int, str, str]], int | None]:
    """(id, name, group) of every category, the chat's own first (group "This chat"), and
    the one to preselect: the one last used from this chat, else the chat's first.

    A team chat's own are those chosen for it, else those its team handles."""
    items = active_items()
    own_ids = bound_category_ids(thread)
    if not own_ids and thread.kind == "team":
        own_ids = _handled_by(thread.team_id)
    own = [(c.id, c.name, _("This chat")) for c in items if c.id in own_ids]
    rest = [(c.id, c.name, c.group) for c in items if c.id not in own_ids]
    last = _last_from(thread)
    if last is not None and any(c[0] == last.category_id for c in own + rest):
        return own + rest, last.category_id
    return own + rest, own[0][0] if own else None


def _handled_by(team_id: int) -> set[int]:
    return set(db.session.scalars(select(Category.id).where(Category.default_team_id == team_id)))


def default_place(thread: Thread, user: User) -> str:
    """The place of the last request made from this chat, else of the last one the user
    entered ('' if none): people and chats tend to keep to their building and floor."""
    last = _last_from(thread) or db.session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.created_by_id == user.id)
        .order_by(ServiceRequest.id.desc())
        .limit(1)
    )
    if last is None:
        return ""
    return f"a{last.asset_id}" if last.asset_id else f"l{last.location_id}"


def members(thread: Thread) -> list[User]:
    """Who can be given the work: the chat's active members (a team chat: the team's)."""
    if thread.kind == "team":
        team = db.session.get(Team, thread.team_id)
        return [u for u in team.members if u.is_active]
    return list(
        db.session.scalars(
            select(User)
            .join(ThreadMember, ThreadMember.user_id == User.id)
            .where(ThreadMember.thread_id == thread.id, User.archived_at.is_(None))
            .order_by(User.display_name)
        )
    )


def _last_from(thread: Thread) -> ServiceRequest | None:
    return db.session.scalar(
        select(ServiceRequest)
        .join(Message, Message.id == ServiceRequest.source_message_id)
        .where(Message.thread_id == thread.id)
        .order_by(ServiceRequest.id.desc())
        .limit(1)
    )


# ---------------------------------------------------------------- turning a message
def create_from_message(
    actor: User,
    message: Message,
    *,
    category: Category,
    location: Location | None,
    asset: Asset | None,
    description: str,
    assignee: User | None = None,
) -> tuple[ServiceRequest, bool]:
    """A request made of a chat message: source 'chat', the message's photos attached, given
    to `assignee` (None: anyone in the category's team). Once per message: a second tap or a
    retry returns the first request (created False). Commits once; publishes request-created,
    chat-message-posted (the card) and chat-message-changed (the message now has a request)."""
    existing = request_of(message)
    if existing is not None:
        return existing, False
    # Everything read before the new request joins the session: a query after that would
    # flush it outside _create_once, where a racing twin's key must be caught.
    thread = db.session.get(Thread, message.thread_id)
    photos = [link.attachment for link in message.attachments]
    assignee_id = assignee.id if assignee is not None else None
    req = services._new_request(
        category=category,
        location=location,
        asset=asset,
        source="chat",
        description=description,
        contact={},
        actor=actor,
    )
    req.source_message_id = message.id
    req.submission_key = _key(message)
    if assignee_id is not None:
        services._given_on_creation(req, assignee_id)

    def post_card():
        if assignee_id is not None:
            kind = "taken" if assignee_id == actor.id else "assigned"
            event = services.record(
                req, kind, actor, from_status="new", to_status="assigned", assignee_id=assignee_id
            )
            tell_thread(req, actor, event)
        card, _created = messenger.post(
            thread, actor, f"{req.number} · {category.name}", kind="card", request_id=req.id
        )
        message.request_id = req.id
        rooms = messenger_access.rooms_for(thread)
        publish_after_commit("chat-message-posted", _ids(card), to=rooms)
        publish_after_commit("chat-message-changed", _ids(message), to=rooms)

    return services._create_once(req, photos, actor, also=post_card)


def _ids(message: Message) -> dict:
    return {"thread_id": message.thread_id, "message_id": message.id}


# ---------------------------------------------------------------- as the request moves
def publish_cards(req: ServiceRequest) -> None:
    """Tell each chat holding a card of this request that the card changed (after commit).
    Only requests born in a chat have cards."""
    if req.source_message_id is None:
        return
    cards = db.session.execute(
        select(Message.id, Thread)
        .join(Thread, Thread.id == Message.thread_id)
        .where(Message.request_id == req.id, Message.kind == "card")
    ).all()
    for message_id, thread in cards:
        publish_after_commit(
            "chat-message-changed",
            {"thread_id": thread.id, "message_id": message_id},
            to=messenger_access.rooms_for(thread),
        )


def tell_thread(req: ServiceRequest, actor: User, event) -> None:
    """Post a status change into the request's thread as an 'event' message by the actor
    (not committed). Its body is a key `event_text` turns into words in the reader's language."""
    if req.thread_id is None or event.kind not in TOLD_KINDS:
        return
    data = event.data or {}
    if event.kind == "assigned":
        assignee = db.session.get(User, data.get("assignee_id"))
        body = "assigned\n" + (assignee.display_name if assignee else "")
    elif event.kind == "taken":
        body = "taken"
    else:
        body = f"status:{event.to_status}" + (f"\n{data['reason']}" if data.get("reason") else "")
    thread = db.session.get(Thread, req.thread_id)
    message, _created = messenger.post(thread, actor, body, kind="event")
    # An open view of the request's discussion shows the line live, like any message.
    rooms = messenger_access.rooms_for(thread)
    publish_after_commit("chat-message-posted", _ids(message), to=rooms)


def event_text(message: Message) -> str:
    """An 'event' message in words, in the reader's language (template filter `event_text`)."""
    key, _sep, detail = (message.body or "").partition("\n")
    name = message.author.display_name if message.author else ""
    if key == "taken":
        return _("%(name)s took the request", name=name)
    if key == "assigned":
        return _("%(name)s gave the request to %(assignee)s", name=name, assignee=detail)
    if key.startswith("status:") and key[7:] in STATUS:
        text = _("%(name)s: %(status)s", name=name, status=STATUS[key[7:]])
        return _("%(event)s — %(reason)s", event=text, reason=detail) if detail else text
    return _("%(name)s changed the request", name=name)


# ---------------------------------------------------------------- a team chat's categories
def bound_category_ids(thread: Thread) -> set[int]:
    return set(
        db.session.scalars(
            select(chat_categories.c.category_id).where(chat_categories.c.thread_id == thread.id)
        )
    )


def bind_categories(thread: Thread, category_ids) -> None:
    """What a chat offers when its messages become requests. Commits."""
    db.session.execute(delete(chat_categories).where(chat_categories.c.thread_id == thread.id))
    rows = [{"thread_id": thread.id, "category_id": cid} for cid in sorted(set(category_ids))]
    if rows:
        db.session.execute(insert(chat_categories), rows)
    db.session.commit()


def offers_by_team() -> dict[int, list[Category]]:
    """Team id → the categories its chat offers, in one query."""
    rows = db.session.execute(
        select(Thread.team_id, Category)
        .join(chat_categories, chat_categories.c.thread_id == Thread.id)
        .join(Category, Category.id == chat_categories.c.category_id)
        .where(Thread.team_id.is_not(None))
        .order_by(Category.position, Category.name)
    ).all()
    offers: dict[int, list[Category]] = {}
    for team_id, category in rows:
        offers.setdefault(team_id, []).append(category)
    return offers
