"""Issuing, checking and revoking API tokens."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from wave.api.models import ApiToken
from wave.extensions import db
from wave.timeutil import now

PREFIX = "wave_"
TOUCH_EVERY = timedelta(minutes=1)
"""last_used_at is written at most this often per token: a busy system does not write a row
on every call."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(admin, name: str) -> tuple[ApiToken, str]:
    """A new token for the system `name`. Returns (row, token): the token is not stored and
    cannot be shown again. Commits."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name.strip(), token_hash=digest(token), hint=token[:10], created_by_id=admin.id
    )
    db.session.add(row)
    db.session.commit()
    return row, token


def check(token: str) -> ApiToken | None:
    """The live token row for a presented token, else None; notes its use (commits then)."""
    if not token.startswith(PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    moment = now()
    if row.last_used_at is None or moment - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = moment
        db.session.commit()
    return row


def revoke(token: ApiToken) -> None:
    """The token stops working at once. Commits."""
    if token.revoked_at is None:
        token.revoked_at = now()
        db.session.commit()


def listed() -> list[ApiToken]:
    """Every token, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )
