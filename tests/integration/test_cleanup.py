"""The worker deletes what uploads leave behind: photos no request or message took once their
token is dead, and kept import files past their age; taken photos are never touched."""

import io
import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, insert, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.builders import report
from tests.conftest import csrf_from
from tests.images import jpeg_bytes
from wave.extensions import db
from wave.files import cleanup
from wave.files.images import keep_pending_photo, pending_attachment, pending_token, read_photo
from wave.files.models import Attachment
from wave.files.storage import storage
from wave.jobs import worker
from wave.messenger import chats
from wave.qr import import_uploads
from wave.requests.models import RequestAttachment

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOKEN_DEAD = timedelta(hours=25)
"""PENDING_MAX_AGE (a day) plus the one-hour margin."""


@pytest.fixture
def config_overrides(tmp_path):
    """A storage folder of this test's own: the shared one holds other tests' imports."""
    return {"WAVE_UPLOAD_FOLDER": str(tmp_path / "uploads")}


def post_report(client, world, fields: dict):
    page = client.get("/q/RM000001").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "submission_key": key, "category": str(world.trash.id)}
    files = {k: FileStorage(v[0], filename=v[1]) for k, v in fields.items() if isinstance(v, tuple)}
    boundary, body = encode_multipart({**data, **fields, **files})
    return client.post(
        "/q/RM000001", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def sent_back_photo(client, world) -> tuple[Attachment, str]:
    """A tenant's photo kept from a report sent back for its empty description, and the
    page that came back."""
    photo = (io.BytesIO(jpeg_bytes()), "bin.jpg")
    response = post_report(client, world, {"description": " ", "photo": photo})
    assert response.status_code == 422 and "Your photo is attached" in response.get_data(True)
    return db.session.scalar(select(Attachment)), response.get_data(True)


def pending_photo(user_id=None) -> Attachment:
    return keep_pending_photo(read_photo(FileStorage(io.BytesIO(jpeg_bytes()), "p.jpg")), user_id)


def stored(key: str) -> bool:
    try:
        storage().read(key)
    except FileNotFoundError:
        return False
    return True


def survives(attachment_id: int, keys) -> bool:
    db.session.expire_all()
    return db.session.get(Attachment, attachment_id) is not None and all(map(stored, keys))


# ---------------------------------------------------------------- pending photos
def test_a_sent_back_photo_goes_an_hour_after_its_token_dies_row_and_files(client, world, frozen):
    frozen.at(MONDAY)
    photo, _ = sent_back_photo(client, world)
    photo_id, keys = photo.id, (photo.storage_key, photo.thumb_key)
    assert cleanup.delete_unclaimed_photos(MONDAY + TOKEN_DEAD - timedelta(minutes=1)) == 0
    assert survives(photo_id, keys)
    assert cleanup.delete_unclaimed_photos(MONDAY + TOKEN_DEAD + timedelta(seconds=1)) == 1
    db.session.expire_all()
    assert db.session.get(Attachment, photo_id) is None
    assert not stored(keys[0]) and not stored(keys[1])
    assert cleanup.delete_unclaimed_photos(MONDAY + TOKEN_DEAD * 2) == 0


def test_a_photo_the_second_post_took_is_never_deleted(client, world, frozen):
    frozen.at(MONDAY)
    photo, page = sent_back_photo(client, world)
    photo_token = re.search(r'name="photo_token"[^>]*value="([^"]+)"', page).group(1)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    again = {"csrf_token": csrf_from(page), "submission_key": key, "photo_token": photo_token}
    again |= {"category": str(world.trash.id), "description": "Now with words"}
    assert client.post("/q/RM000001", data=again).status_code == 303
    keys = (photo.storage_key, photo.thumb_key)
    assert cleanup.delete_unclaimed_photos(MONDAY + timedelta(days=3)) == 0
    assert cleanup.delete_unclaimed_photos(MONDAY + timedelta(days=400), lookback=None) == 0
    assert survives(photo.id, keys)


def test_a_chat_photo_is_never_deleted(world, frozen):
    frozen.at(MONDAY)
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    photo = pending_photo(world.sam.id)  # as the chat form keeps it before posting
    chats.send(group, world.sam, "Broken tiles", photos=[photo])
    keys = (photo.storage_key, photo.thumb_key)
    assert cleanup.delete_unclaimed_photos(MONDAY + timedelta(days=3)) == 0
    assert cleanup.delete_unclaimed_photos(MONDAY + timedelta(days=400), lookback=None) == 0
    assert survives(photo.id, keys)


def test_every_table_with_a_key_to_attachments_takes_photos_a_future_one_too(app):
    names = {f"{c.table.name}.{c.name}" for c in cleanup.claiming_columns()}
    assert {"request_attachments.attachment_id", "message_attachments.attachment_id"} <= names
    assert not any(name.startswith("attachments.") for name in names)  # uploaded_by_id → users

    future = MetaData()
    db.metadata.tables["users"].to_metadata(future)
    Attachment.__table__.to_metadata(future)
    Table("invoice_scans", future, Column("scan_id", Integer, ForeignKey("attachments.id")))
    found = {f"{c.table.name}.{c.name}" for c in cleanup.claiming_columns(future)}
    assert found == {"invoice_scans.scan_id"}


def test_a_photo_older_than_a_day_is_not_taken_even_with_a_freshly_signed_token(app, frozen):
    # A form sent back again signs its kept photos anew; the photo's own age still counts.
    frozen.at(MONDAY)
    photo = pending_photo()
    frozen.advance(hours=23, minutes=59)
    assert pending_attachment(pending_token(photo)) == photo
    frozen.advance(minutes=2)
    assert pending_attachment(pending_token(photo)) is None


def test_photos_go_in_batches(app, frozen):
    frozen.at(MONDAY)
    for _ in range(3):
        pending_photo()
    later = MONDAY + TOKEN_DEAD + timedelta(minutes=1)
    assert cleanup.delete_unclaimed_photos(later, batch=2) == 2
    assert cleanup.delete_unclaimed_photos(later, batch=2) == 1
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_photos_older_than_the_lookback_wait_for_a_call_without_one(app, frozen):
    frozen.at(MONDAY)
    pending_photo()
    much_later = MONDAY + TOKEN_DEAD + cleanup.LOOKBACK + timedelta(minutes=1)
    assert cleanup.delete_unclaimed_photos(much_later) == 0
    assert cleanup.delete_unclaimed_photos(much_later, lookback=None) == 1


def test_a_photo_a_request_takes_while_the_sweep_runs_is_kept(app, world, frozen):
    frozen.at(MONDAY)
    photo, req = pending_photo(), report(world)
    photo_id, keys = photo.id, (photo.storage_key, photo.thumb_key)
    link = {"request_id": req.id, "attachment_id": photo_id, "purpose": "report"}
    swept = []

    def sweep():
        with app.app_context():
            try:
                swept.append(cleanup.delete_unclaimed_photos(MONDAY + timedelta(days=2)))
            finally:
                db.session.remove()

    with db.engine.connect() as claim:
        claim.execute(insert(RequestAttachment.__table__).values(**link))  # not committed yet
        sweeper = threading.Thread(target=sweep)
        sweeper.start()
        time.sleep(0.5)  # the sweep's DELETE now waits for the claim's lock
        claim.commit()
    sweeper.join(30)
    assert swept == [0]
    assert survives(photo_id, keys)


# ---------------------------------------------------------------- import files
def kept_import(world, name: str, *, age: timedelta, done_age: timedelta | None = None) -> str:
    """A kept import file written `age` ago (with a done record `done_age` ago); its key."""
    key = import_uploads.load(import_uploads.keep(b"id;name\n", name, world.site.id)).key
    backdate(key, age)
    if done_age is not None:
        storage().save(key + ".done", b"{}")
        backdate(key + ".done", done_age)
    return key


def backdate(key: str, age: timedelta) -> None:
    moment = (datetime.now(UTC) - age).timestamp()
    os.utime(Path(current_app.config["WAVE_UPLOAD_FOLDER"]) / key, (moment, moment))


def test_old_import_files_go_with_their_records_and_fresh_ones_stay(world):
    old = kept_import(world, "old.csv", age=timedelta(hours=26), done_age=timedelta(hours=3))
    fresh = kept_import(world, "fresh.csv", age=timedelta(hours=1), done_age=timedelta(0))
    almost = kept_import(world, "almost.csv", age=timedelta(hours=24, minutes=50))
    stray_record = "imports/ff/gone.csv.done"  # its file went some other way
    storage().save(stray_record, b"{}")
    backdate(stray_record, timedelta(days=2))

    assert cleanup.delete_old_imports(datetime.now(UTC)) == 2
    assert not stored(old) and not stored(old + ".done") and not stored(stray_record)
    assert stored(fresh) and stored(fresh + ".done") and stored(almost)
    assert cleanup.delete_old_imports(datetime.now(UTC)) == 0


def test_no_import_folder_yet_deletes_nothing(app):
    assert cleanup.delete_old_imports(datetime.now(UTC)) == 0


# ---------------------------------------------------------------- the worker
def test_the_worker_tick_reports_what_it_deleted(client, world, frozen):
    start = frozen.at(datetime.now(UTC))
    sent_back_photo(client, world)
    kept_import(world, "plan.csv", age=timedelta(0))
    assert worker.tick() == {}
    frozen.at(start + timedelta(hours=26))
    assert worker.tick() == {"deleted:photos": 1, "deleted:imports": 1}
    assert worker.tick() == {}


def test_the_worker_gathers_sqlites_statistics_at_its_first_tick_then_daily(
    app, world, monkeypatch
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum gathers them")
    monkeypatch.setitem(app.config, "WAVE_SQLITE_STATISTICS", True)  # off for the other tests
    report(world)
    start = datetime.now(UTC)
    try:
        assert worker.refresh_statistics(start)
        stats = text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'service_requests'")
        indexes = set(db.session.execute(stats).scalars())
        assert "ix_service_requests_open_due" in indexes  # the inbox's "all open"
        assert not worker.refresh_statistics(start + timedelta(hours=23))
        assert worker.refresh_statistics(start + timedelta(hours=25))
    finally:
        # The test database lives on: its other tests check plans made without statistics.
        db.session.rollback()
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()
        db.engine.dispose()  # connections that read the statistics forget them
