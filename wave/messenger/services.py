"""Messenger actions: the only code that writes threads and messages. They do not commit:
the caller's action (a request service, a chat route) owns the transaction."""

from sqlalchemy import select

from wave.extensions import db
from wave.messenger.models import Message, MessageVersion, Thread
from wave.timeutil import now

MAX_BODY = 4000


class MessageError(ValueError):
    pass


def open_thread(kind: str, title: str | None = None) -> Thread:
    thread = Thread(kind=kind, title=title)
    db.session.add(thread)
    return thread


def post(thread: Thread, author, body: str, client_id: str | None = None) -> tuple[Message, bool]:
    """Add a message; returns (message, created). A known client_id returns the stored one."""
    body = _clean(body)
    if client_id:
        existing = db.session.scalar(
            select(Message).where(Message.author_id == author.id, Message.client_id == client_id)
        )
        if existing:
            return existing, False
    message = Message(thread_id=thread.id, author_id=author.id, body=body, client_id=client_id)
    db.session.add(message)
    db.session.flush()
    return message, True


def edit(message: Message, editor, body: str) -> Message:
    """Replace a message's text, keeping the previous text as a version. Only its author edits."""
    if editor.id != message.author_id:
        raise PermissionError("only the author edits a message")
    body = _clean(body)
    if body == message.body:
        return message
    written_at = message.edited_at or message.created_at
    db.session.add(MessageVersion(message=message, body=message.body, written_at=written_at))
    message.body = body
    message.edited_at = now()
    return message


def messages_of(thread_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
        )
    )


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageError("empty")
    if len(body) > MAX_BODY:
        raise MessageError("too long")
    return body
