"""What uploads leave behind, deleted by the worker each tick (wave.jobs.worker).

Pending photos: a form that came back invalid keeps its photo (wave.files.images) under a
signed token. A photo nothing links to once that token is dead will never be taken, so its
row and its files go. Kept import files (wave.qr.import_uploads) go once their token is dead.

A photo is taken when any table has a foreign key to it. Which tables those are is read
from the metadata, so a table added later keeps its photos without anyone touching this.

Race with a request taking a photo at the same moment: the row goes first, in a DELETE
whose own condition is NOT EXISTS, and the files only after that commits. A link committed
before the DELETE runs is seen and the photo kept. On PostgreSQL a link inserted but not yet
committed holds a key-share lock on the photo's row: the DELETE waits for it, then its
foreign-key check finds the link and fails the whole batch; nothing is deleted this tick
and the next one skips the photo. On SQLite writers take turns, so the DELETE sees every
committed link. A link inserted after the delete committed fails on the foreign key. A link
can only be attempted while pending_attachment() still accepts the photo, and the margin
keeps the sweep well past that.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Column, MetaData, delete, exists, select
from sqlalchemy.exc import IntegrityError

from wave.extensions import db
from wave.files.images import PENDING_MAX_AGE
from wave.files.models import Attachment
from wave.files.storage import storage
from wave.qr import import_uploads

MARGIN = timedelta(hours=1)
"""Past a token's max age before its photo or file is deleted: a request that read the
photo just before the token expired has long committed by then."""
LOOKBACK = timedelta(days=30)
"""How far back past that age a tick looks for photos. Keeps each tick a range on
attachments.created_at; older leftovers (a worker down longer) need a call with a longer
lookback, or lookback=None, by hand."""
BATCH = 500
"""Photos deleted per tick at most; the rest wait for the next tick."""


def claiming_columns(metadata: MetaData | None = None) -> list[Column]:
    """Every column with a foreign key to attachments.id: a row there takes the photo."""
    metadata = metadata if metadata is not None else db.metadata
    return [
        fk.parent
        for table in metadata.tables.values()
        for fk in table.foreign_keys
        if fk.target_fullname == f"{Attachment.__tablename__}.id"
    ]


def delete_unclaimed_photos(
    moment: datetime, *, lookback: timedelta | None = LOOKBACK, batch: int = BATCH
) -> int:
    """Delete up to `batch` photos nothing links to, uploaded more than PENDING_MAX_AGE plus
    MARGIN before `moment`: the rows (committed), then their files. Returns how many."""
    cutoff = moment - timedelta(seconds=PENDING_MAX_AGE) - MARGIN
    candidate = Attachment.__table__.alias("candidate")
    unclaimed = [~exists().where(column == candidate.c.id) for column in claiming_columns()]
    oldest = [candidate.c.created_at >= cutoff - lookback] if lookback is not None else []
    chosen = (
        select(candidate.c.id)
        .where(candidate.c.created_at < cutoff, *oldest, *unclaimed)
        .limit(batch)
    )
    attachments = Attachment.__table__
    statement = (
        delete(attachments)
        .where(attachments.c.id.in_(chosen))
        .returning(attachments.c.storage_key, attachments.c.thumb_key)
    )
    try:
        deleted = db.session.execute(statement).all()
        db.session.commit()
    except IntegrityError:
        # A request linked one of them while the DELETE ran; the next tick will skip it.
        db.session.rollback()
        current_app.logger.info("photo cleanup: a photo was taken meanwhile; next tick")
        return 0
    for storage_key, thumb_key in deleted:
        _remove(storage_key)
        if thumb_key:
            _remove(thumb_key)
    return len(deleted)


def delete_old_imports(moment: datetime) -> int:
    """Delete kept import files written more than import_uploads.MAX_AGE plus MARGIN before
    `moment`, each with its done record (a record whose file is gone, once it is old too).
    Returns how many files (a file with its record counts once)."""
    cutoff = moment - timedelta(seconds=import_uploads.MAX_AGE) - MARGIN
    written = dict(storage().list(import_uploads.FOLDER))
    count = 0
    for key, modified in written.items():
        record = key.endswith(".done")
        if modified >= cutoff or (record and key.removesuffix(".done") in written):
            continue  # young, or a record that goes with its file
        _remove(key)
        if not record:
            _remove(key + ".done")
        count += 1
    return count


def _remove(key: str) -> None:
    # The row is gone already: a file that cannot be removed is logged, not retried.
    try:
        storage().delete(key)
    except OSError:
        current_app.logger.warning("cleanup: could not delete stored file %s", key, exc_info=True)
