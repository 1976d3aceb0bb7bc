"""Where uploaded bytes live. Callers use save/read/delete/list only, so an object store can
replace the local folder without touching them."""

import os
import secrets
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app


class LocalStorage:
    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key escapes the folder: {key!r}")
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove a stored file; one that is already gone is fine."""
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """The keys under a folder ("imports/"), each with when it was last written (UTC)."""
        root, folder = self.root.resolve(), self._path(prefix)
        for path in folder.rglob("*") if folder.is_dir() else ():
            try:
                info = path.stat()
            except FileNotFoundError:  # deleted since it was listed
                continue
            if stat.S_ISREG(info.st_mode):
                yield path.relative_to(root).as_posix(), datetime.fromtimestamp(info.st_mtime, UTC)


def new_key(suffix: str) -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}{suffix}"


def init_app(app):
    app.extensions["wave_storage"] = LocalStorage(app.config["WAVE_UPLOAD_FOLDER"])


def storage() -> LocalStorage:
    return current_app.extensions["wave_storage"]
