"""Photo intake: validate, re-encode without EXIF, make a thumbnail."""

import io
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image, ImageOps, UnidentifiedImageError

from wave.extensions import db
from wave.files.models import Attachment
from wave.files.storage import new_key, storage
from wave.timeutil import now

# Pillow refuses absurd pixel counts (decompression bombs) before decoding them.
Image.MAX_IMAGE_PIXELS = 60_000_000


class PhotoError(ValueError):
    """The upload is not a usable photo; str() is a message for the person who sent it."""


@dataclass
class Photo:
    data: bytes
    thumb: bytes
    width: int
    height: int
    original_name: str | None


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A fresh RGB image carries no EXIF, GPS or other metadata from the upload.
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def read_photo(upload) -> Photo:
    """Decode an uploaded file (werkzeug FileStorage) into a clean photo; raises PhotoError."""
    try:
        raw = upload.read(current_app.config["WAVE_MAX_PHOTO_BYTES"] + 1)
    finally:
        upload.close()  # large uploads are spooled to a temporary file: free it now
    if len(raw) > current_app.config["WAVE_MAX_PHOTO_BYTES"]:
        limit = current_app.config["WAVE_MAX_PHOTO_BYTES"] // (1024 * 1024)
        raise PhotoError(_l("The photo is larger than %(mb)s MB.", mb=limit))
    try:
        with Image.open(io.BytesIO(raw)) as source:
            if source.format not in {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"}:
                raise PhotoError(_l("Please attach a photo (JPEG, PNG or WebP)."))
            source.load()  # a truncated file fails here, not later
            image = ImageOps.exif_transpose(source).convert("RGB")
    except PhotoError:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoError(_l("The photo is too large.")) from exc
    except (UnidentifiedImageError, SyntaxError):
        raise PhotoError(_l("Please attach a photo (JPEG, PNG or WebP).")) from None
    except (OSError, ValueError):
        raise PhotoError(_l("The photo is damaged or incomplete. Please take it again.")) from None

    side = current_app.config["WAVE_PHOTO_MAX_SIDE"]
    image.thumbnail((side, side))
    thumb = image.copy()
    thumb_side = current_app.config["WAVE_THUMB_SIDE"]
    thumb.thumbnail((thumb_side, thumb_side))
    return Photo(_jpeg(image), _jpeg(thumb), image.width, image.height, upload.filename)


def store_photo(photo: Photo, uploaded_by_id: int | None) -> Attachment:
    """Write the photo and its thumbnail to storage and add an Attachment row (not committed)."""
    key, thumb_key = new_key(".jpg"), new_key(".jpg")
    storage().save(key, photo.data)
    storage().save(thumb_key, photo.thumb)
    attachment = Attachment(
        storage_key=key,
        thumb_key=thumb_key,
        content_type="image/jpeg",
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        original_name=(photo.original_name or "")[:200] or None,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(attachment)
    return attachment


def uploaded_files(files) -> list:
    """The non-empty uploads of a multi-file field (browsers send an empty part when none)."""
    return [f for f in files or () if f and f.filename]


_PENDING_SALT = "wave-pending-photo"
PENDING_MAX_AGE = 24 * 3600


# Photos no request took within PENDING_MAX_AGE are deleted by wave.files.cleanup.
def keep_pending_photo(photo: Photo, uploaded_by_id: int | None) -> Attachment:
    """Store a photo that arrived with a form before the form itself is valid. Commits."""
    attachment = store_photo(photo, uploaded_by_id)
    db.session.commit()
    return attachment


def pending_token(attachment: Attachment) -> str:
    """A signed reference to a photo stored before its form was valid, so a form sent back
    for a missing description does not make the person take the photo again."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=_PENDING_SALT).dumps(attachment.id)


def pending_attachment(token: str) -> Attachment | None:
    """The photo a pending_token() refers to; None if the token is forged, old or unknown."""
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt=_PENDING_SALT)
    try:
        attachment_id = serializer.loads(token, max_age=PENDING_MAX_AGE)
    except BadData:
        return None
    attachment = db.session.get(Attachment, attachment_id)
    # A form sent back again signs its photos anew, so the photo's own age is what bounds the
    # time it can be taken: past it, the worker may delete it (wave.files.cleanup).
    if attachment is None or now() - attachment.created_at > timedelta(seconds=PENDING_MAX_AGE):
        return None
    return attachment
