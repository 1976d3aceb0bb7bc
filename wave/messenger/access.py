"""Who may read a thread, and which Socket.IO rooms hear about it.

Direct and group chats: their members. Team chats: the team's members (membership rows are
made as they open it, to keep their read marks). Threads of other kinds belong to another
package, which registers a policy: a request's discussion is readable by whoever may see
the request (wave.requests registers that), and the messenger need not know what a request is.
"""

from typing import Protocol

from flask import abort
from sqlalchemy import or_, select

from wave.extensions import db
from wave.files.models import Attachment
from wave.messenger import services
from wave.messenger.models import Message, MessageAttachment, Thread
from wave.realtime import team_room, user_room


class ThreadPolicy(Protocol):
    """A policy may also offer `readable_ids(threads, user) -> set[int]` and
    `titles(threads) -> dict[int, str]`, each one query for a page of the chat list; without
    them the list asks can_read thread by thread and shows a generic title.

    And, for the badge: `counted(thread) -> bool`, whether unread messages in the thread count
    toward its members' total now, and `counted_where(thread_id)`, the same as an SQL
    condition on a thread id column (an index lookup or two per thread). Without them every
    thread of the kind counts."""

    def can_read(self, thread: Thread, user) -> bool: ...

    def rooms(self, thread: Thread) -> set[str]: ...


policies: dict[str, ThreadPolicy] = {}
"""Thread kind → the policy of the package that owns such threads."""


def can_read(thread: Thread, user) -> bool:
    if thread.kind in policies:
        return policies[thread.kind].can_read(thread, user)
    if thread.kind == "team":
        return thread.team_id in user.team_ids
    return services.member(thread, user) is not None


def readable(threads: list[Thread], user, member_of: set[int]) -> list[Thread]:
    """The threads among `threads` the user may read (a chat list: few queries, not one per
    chat). Direct and group chats are the user's when `member_of` (thread ids of the user's
    membership rows) holds them."""
    allowed = {t.id for t in threads if t.kind in ("direct", "group") and t.id in member_of}
    allowed |= {t.id for t in threads if t.kind == "team" and t.team_id in user.team_ids}
    for kind, policy in policies.items():
        of_kind = [t for t in threads if t.kind == kind]
        if not of_kind:
            continue
        if hasattr(policy, "readable_ids"):
            allowed |= set(policy.readable_ids(of_kind, user))
        else:
            allowed |= {t.id for t in of_kind if policy.can_read(t, user)}
    return [t for t in threads if t.id in allowed]


def counted(thread: Thread) -> bool:
    """Whether unread messages in the thread count toward its members' totals now: a chat's
    always; another kind's as its policy says."""
    policy = policies.get(thread.kind)
    return policy is None or not hasattr(policy, "counted") or policy.counted(thread)


def counted_where(thread_id):
    """An SQL condition on a thread id column (with Thread joined): the threads whose unread
    messages count toward a total, as the policies of other kinds say."""
    conditions = [Thread.kind.not_in(list(policies))]
    for kind, policy in policies.items():
        if hasattr(policy, "counted_where"):
            conditions.append((Thread.kind == kind) & policy.counted_where(thread_id))
        else:
            conditions.append(Thread.kind == kind)
    return or_(*conditions)


def policy_titles(threads: list[Thread]) -> dict[int, str]:
    """Titles that the owners of other kinds of thread give them (a request: its number)."""
    titles = {}
    for kind, policy in policies.items():
        of_kind = [t for t in threads if t.kind == kind]
        if of_kind and hasattr(policy, "titles"):
            titles.update(policy.titles(of_kind))
    return titles


def posted(thread: Thread, message: Message) -> None:
    """Tells the policy owning the thread's kind, if it wants to know, that a message was
    posted there (inside the sender's transaction)."""
    policy = policies.get(thread.kind)
    if policy is not None and hasattr(policy, "posted"):
        policy.posted(thread, message)


def access_thread(thread_id: int, user) -> Thread:
    """The thread if the user may read it; 404 if there is none, 403 if not theirs."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)
    if not can_read(thread, user):
        abort(403)
    return thread


def rooms_for(thread: Thread) -> set[str]:
    """Everyone who may read the thread, as Socket.IO rooms — nobody else."""
    if thread.kind in policies:
        return policies[thread.kind].rooms(thread)
    if thread.kind == "team":
        return {team_room(thread.team_id)}
    return {user_room(user_id) for user_id in services.member_ids(thread)}


def access_message(thread: Thread, message_id: int) -> Message:
    """A message of this (already accessed) thread, else 404."""
    message = db.session.get(Message, message_id)
    if message is None or message.thread_id != thread.id:
        abort(404)
    return message


def access_photo(thread: Thread, attachment_id: int) -> Attachment:
    """A photo sent with a message of this (already accessed) thread, else 404: whoever may
    read the thread may see its photos, and nobody else."""
    attachment = db.session.scalar(
        select(Attachment)
        .join(MessageAttachment, MessageAttachment.attachment_id == Attachment.id)
        .join(Message, Message.id == MessageAttachment.message_id)
        .where(Attachment.id == attachment_id, Message.thread_id == thread.id)
        .limit(1)
    )
    if attachment is None:
        abort(404)
    return attachment
