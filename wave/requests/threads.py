"""A request's discussion as the messenger sees it: who may read it, who hears of it, its
title in a chat list, whether its unread messages count toward the Chats badge, and what a
message posted there means for the request (a comment on its timeline). Registered with the
messenger, which knows nothing of requests."""

from sqlalchemy import event, exists, select
from sqlalchemy.orm import Session

from wave.extensions import db
from wave.messenger import services as messenger
from wave.messenger.access import policies
from wave.messenger.models import Message, Thread
from wave.requests import lifecycle, recipients, services
from wave.requests.access import can_see
from wave.requests.models import Category, RequestEvent, ServiceRequest

FINISHED = ("closed", "cancelled")
"""A request in these states is no longer active: its discussion leaves the badge's total."""


class RequestThreads:
    def _request(self, thread: Thread) -> ServiceRequest | None:
        return db.session.scalar(
            select(ServiceRequest).where(ServiceRequest.thread_id == thread.id)
        )

    def can_read(self, thread: Thread, user) -> bool:
        req = self._request(thread)
        return req is not None and can_see(req, user)

    def rooms(self, thread: Thread) -> set[str]:
        req = self._request(thread)
        return recipients.rooms_for(req) if req is not None else set()

    def readable_ids(self, threads: list[Thread], user) -> set[int]:
        """Which of these request threads the user may read, in one query."""
        # The columns can_see reads, not whole requests (a page of them, texts and all).
        rows = db.session.execute(
            select(
                ServiceRequest.thread_id,
                ServiceRequest.assignee_id,
                ServiceRequest.created_by_id,
                ServiceRequest.team_id,
            ).where(ServiceRequest.thread_id.in_([t.id for t in threads]))
        )
        return {row.thread_id for row in rows if can_see(row, user)}

    def titles(self, threads: list[Thread]) -> dict[int, str]:
        """'#12 · Trash removal' for each thread, in one query."""
        rows = db.session.execute(
            select(ServiceRequest.thread_id, ServiceRequest.id, Category.name)
            .join(Category, Category.id == ServiceRequest.category_id)
            .where(ServiceRequest.thread_id.in_([t.id for t in threads]))
        )
        return {thread_id: f"#{number} · {name}" for thread_id, number, name in rows}

    def counted(self, thread: Thread) -> bool:
        """A discussion counts toward the badge while its request is active (not closed or
        cancelled); a closed request's unread messages still show on its row."""
        req = self._request(thread)
        return req is not None and req.status not in FINISHED

    def counted_where(self, thread_id):
        """counted() as SQL: a lookup of the request by its thread (an index)."""
        return exists().where(
            ServiceRequest.thread_id == thread_id, ServiceRequest.status.not_in(FINISHED)
        )

    def posted(self, thread: Thread, message: Message) -> None:
        """A message written in the request's discussion from a chat view is a comment on
        the request, as one written on the request's page (not committed)."""
        req = self._request(thread)
        if req is not None and message.kind == "text":
            services.record(req, "comment", message.author, message_id=message.id)
            lifecycle.publish_change(req)


policies["request"] = RequestThreads()


@event.listens_for(Session, "before_flush")
def _discussion_follows_status(session, _context, _instances):
    """When a request is closed or cancelled (or comes back), its discussion's rows leave
    (or rejoin) the badge's total, in the same transaction. Every change of status is on the
    timeline (a RequestEvent with to_status), even the auto-close's bulk UPDATE."""
    for item in list(session.new):
        # A new request's discussion is counted, as its members' rows are from the start.
        if isinstance(item, RequestEvent) and item.to_status is not None and item.kind != "created":
            req = session.get(ServiceRequest, item.request_id)
            if req is not None and req.thread_id is not None:
                messenger.set_counted(req.thread_id, item.to_status not in FINISHED)
