"""Document intake: PDF files (service reports, certificates, invoices) kept as sent.

A document is checked to be a whole PDF (its header, and the end-of-file marker a complete
PDF carries near its end) and kept byte for byte; it is always served as a download, never
shown in the page, so nothing in it runs in Wave's origin."""

import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from wave.extensions import db
from wave.files.models import Attachment
from wave.files.storage import new_key, storage

PDF = "application/pdf"
_TAIL = 1024
"""The PDF standard puts %%EOF at the end; writers may add a little after it."""


class DocumentError(ValueError):
    """The upload is not a usable document; str() is a message for the person who sent it."""


@dataclass
class Document:
    data: bytes
    name: str


def read_document(upload) -> Document:
    """Read an uploaded file (werkzeug FileStorage) as a PDF document; raises DocumentError."""
    limit = current_app.config["WAVE_MAX_DOCUMENT_BYTES"]
    try:
        raw = upload.read(limit + 1)
    finally:
        upload.close()
    if len(raw) > limit:
        raise DocumentError(_l("The document is larger than %(mb)s MB.", mb=limit // 2**20))
    if not raw.startswith(b"%PDF-"):
        raise DocumentError(_l("Please attach a PDF document."))
    if b"%%EOF" not in raw[-_TAIL:]:
        raise DocumentError(_l("The document is incomplete. Please send it again."))
    return Document(raw, display_name(upload.filename))


def display_name(filename: str | None) -> str:
    """The name to show and to download under: the file's own name without folders or
    control characters, at most 120 characters, ending in .pdf."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    stem = re.sub(r"(?i)\.pdf$", "", name).strip(" .") or "document"
    return stem[:116] + ".pdf"


def store_document(document: Document, uploaded_by_id: int | None) -> Attachment:
    """Write the document to storage and add an Attachment row (not committed)."""
    key = new_key(".pdf")
    storage().save(key, document.data)
    attachment = Attachment(
        storage_key=key,
        content_type=PDF,
        size=len(document.data),
        original_name=document.name,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(attachment)
    return attachment
