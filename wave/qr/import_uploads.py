"""An uploaded import file kept between its preview and its commit.

The bytes go to the upload storage and the page carries a signed token naming them, so the
commit may reach another server process than the preview did. A small "done" record stored
beside the file after a commit lets a second click on Import say that it already happened.
"""

import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from wave.files.storage import new_key, storage
from wave.timeutil import now

_SALT = "wave-import-file"
MAX_AGE = 24 * 3600
"""How long a preview may wait for its commit (seconds)."""
FOLDER = "imports/"
"""Where the kept files are, in the upload storage."""


@dataclass
class Upload:
    key: str
    filename: str
    site_id: int
    data: bytes


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


# Files older than MAX_AGE, and their done records, are deleted by wave.files.cleanup.
def keep(data: bytes, filename: str, site_id: int) -> str:
    """Store an uploaded file; returns the token that names it, its name and the site."""
    key = FOLDER + new_key(PurePosixPath(filename).suffix.lower())
    storage().save(key, data)
    return _serializer().dumps({"k": key, "n": filename[-200:], "s": site_id})


def load(token: str) -> Upload | None:
    """The upload a keep() token names; None if the token is forged, old or its file gone."""
    try:
        fields = _serializer().loads(token, max_age=MAX_AGE)
        return Upload(
            key=fields["k"],
            filename=fields["n"],
            site_id=int(fields["s"]),
            data=storage().read(fields["k"]),
        )
    except (BadData, KeyError, TypeError, ValueError, FileNotFoundError):
        return None


def mark_done(upload: Upload, summary: dict) -> None:
    """Record that the file was imported, with its counts (after the commit)."""
    record = {**summary, "at": now().isoformat()}
    storage().save(upload.key + ".done", json.dumps(record).encode())


def done(upload: Upload) -> dict | None:
    """What mark_done() recorded for this file, or None if it was not imported yet."""
    try:
        return json.loads(storage().read(upload.key + ".done"))
    except FileNotFoundError:
        return None
