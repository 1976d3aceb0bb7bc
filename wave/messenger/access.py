"""Who may read a thread, and which Socket.IO rooms hear about it.

Direct and group chats: their members. Team chats: the team's members (membership rows are
made as they open it, to keep their read marks). Threads of other kinds belong to another
package, which registers a policy: a request's discussion is readable by whoever may see
the request (wave.requests registers that), and the messenger need not know what a request is.
"""

from typing import Protocol

from flask import abort

from wave.extensions import db
from wave.messenger import services
from wave.messenger.models import Thread
from wave.realtime import team_room, user_room


class ThreadPolicy(Protocol):
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
