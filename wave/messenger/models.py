"""Threads and messages. A request's discussion is a thread like any chat.

Messages are edited, never deleted: every earlier text stays in MessageVersion.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wave.auth.models import User
from wave.extensions import db
from wave.files.models import Attachment
from wave.timeutil import UTCDateTime, now

THREAD_KINDS = ("direct", "group", "team", "request")


class Thread(db.Model):
    """A chat. 'direct': two people; 'group': people someone added; 'team': a team's chat,
    its members follow the team; 'request': a request's discussion (who may read it is the
    request's business, see `policies` in wave.messenger.access)."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_last_message_id", "last_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), unique=True)
    """The team of a team chat (one chat per team)."""
    direct_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    """'<lower user id>:<higher user id>' of a direct chat: one chat per pair of people."""
    last_message_id: Mapped[int | None]
    """The newest message's id: chat lists sort by it without scanning messages."""

    members: Mapped[list["ThreadMember"]] = relationship(back_populates="thread")


class ThreadMember(db.Model):
    """Someone in a chat, and how far they have read it."""

    __tablename__ = "thread_members"
    __table_args__ = (
        # The badge's total reads only these rows: a chat list's thousands of finished
        # request discussions are not in it.
        Index(
            "ix_thread_members_counted",
            "user_id",
            postgresql_where=text("counted"),
            sqlite_where=text("counted"),
        ),
    )

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_read_id: Mapped[int] = mapped_column(default=0)
    """The newest message id this member has seen: unread = later messages by others."""
    muted: Mapped[bool] = mapped_column(default=False)
    """No alerts for new messages (mentions still alert); unread counts go on."""
    counted: Mapped[bool] = mapped_column(default=True, server_default=true())
    """Whether the chat's unread messages may count toward the member's total on the badge:
    always for a chat; for a thread of another package's kind, while its policy says so (a
    request's discussion: while the request is active; wave.requests.threads clears it for
    every member when the request is closed or cancelled). A narrowing only: the policy
    still decides for the rows that have it (see services.unread_total)."""

    thread: Mapped[Thread] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        # A resend of the same message (double tap, reconnect) is recognised, not duplicated.
        UniqueConstraint("author_id", "client_id", name="uq_messages_author_client"),
        Index("ix_messages_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8), default="text")
    """'text' from a person; 'card': a request's card (request_id); 'event': a status
    change told in the thread."""
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # use_alter: requests point at messages too (source_message_id); the cycle is broken here.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", use_alter=True), index=True
    )
    """The request a card shows, or that a message was turned into. The messenger only
    carries it; the requests package renders and updates the card."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
    reply_to: Mapped["Message | None"] = relationship(remote_side=[id])
    versions: Mapped[list["MessageVersion"]] = relationship(
        order_by="MessageVersion.id", back_populates="message"
    )
    attachments: Mapped[list["MessageAttachment"]] = relationship(
        order_by="MessageAttachment.position"
    )
    reactions: Mapped[list["Reaction"]] = relationship(order_by=lambda: REACTION_ORDER)

    @property
    def reaction_groups(self) -> list[tuple[str, list["Reaction"]]]:
        return group_reactions(self.reactions)


class MessageAttachment(db.Model):
    """A photo sent with a message."""

    __tablename__ = "message_attachments"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    attachment: Mapped[Attachment] = relationship()


class Reaction(db.Model):
    __tablename__ = "reactions"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()


REACTION_ORDER = (Reaction.created_at, Reaction.user_id, Reaction.emoji)
"""Reactions in the order they came (ties broken for a stable order): a message's bubble and
a reaction's event (chats._reactions) list them alike."""


def group_reactions(reactions: list[Reaction]) -> list[tuple[str, list[Reaction]]]:
    """Reactions by emoji, in the emojis' order, each with its people in the order they
    reacted: what a message's bubble shows, and what chat.js draws from a reaction's event."""
    groups: dict[str, list[Reaction]] = {}
    for reaction in reactions:
        groups.setdefault(reaction.emoji, []).append(reaction)
    return sorted(groups.items())


class Mention(db.Model):
    """Someone named with @username in a message: they are told even in a muted chat."""

    __tablename__ = "mentions"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class MessageVersion(db.Model):
    """An earlier text of a message, kept when it was edited."""

    __tablename__ = "message_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When this text was written (the message's creation or an earlier edit)."""
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    message: Mapped[Message] = relationship(back_populates="versions")
