"""A request's discussion (its messenger thread), and the photos and documents staff add
while working."""

from flask_babel import lazy_gettext as _l

from wave.extensions import db
from wave.files.documents import Document, store_document
from wave.files.images import Photo
from wave.messenger import services as messenger
from wave.messenger.models import Message, Thread
from wave.requests.lifecycle import publish_change
from wave.requests.services import ActionError, attach_photos, link_attachments, record


def comment(req, actor, body: str, client_id: str | None = None) -> Message:
    """Post a message to the request's thread; a repeated client_id is not posted twice.
    Commits; publishes request-changed."""
    thread = db.session.get(Thread, req.thread_id)
    try:
        message, created = messenger.post(thread, actor, body, client_id)
    except messenger.MessageError:
        raise ActionError(
            _l("Write a message first (at most 4000 characters)."), field="body"
        ) from None
    if created:
        record(req, "comment", actor, message_id=message.id)
        publish_change(req)
        db.session.commit()
    return message


def edit_comment(req, message: Message, actor, body: str) -> Message:
    """Change the text of one's own message; the earlier text stays readable. Commits."""
    if message.thread_id != req.thread_id:
        raise ActionError(_l("This message belongs to another request."))
    try:
        messenger.edit(message, actor, body)
    except PermissionError:
        raise ActionError(_l("You can only edit your own messages.")) from None
    except messenger.MessageError:
        raise ActionError(
            _l("Write a message first (at most 4000 characters)."), field="body"
        ) from None
    publish_change(req)
    db.session.commit()
    return message


def add_photos(req, actor, photos: list[Photo]) -> None:
    """Photos taken during the work. Commits; publishes."""
    if not photos:
        raise ActionError(_l("Choose a photo."), field="photo")
    attach_photos(req, photos, "work", uploader=actor)
    record(req, "photo", actor, count=len(photos))
    publish_change(req)
    db.session.commit()


def add_documents(req, actor, documents: list[Document]) -> None:
    """PDF documents (a service report, a certificate): staff only, never on the tracking
    page. Commits; publishes."""
    if not documents:
        raise ActionError(_l("Choose a PDF document."), field="document")
    attachments = [store_document(d, actor.id) for d in documents]
    link_attachments(req, attachments, "document", public=False)
    record(req, "document", actor, names=[d.name for d in documents])
    publish_change(req)
    db.session.commit()
