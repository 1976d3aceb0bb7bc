"""Settings an admin changes at run time (not deployment configuration: that is WAVE_*)."""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from wave.extensions import db

DEFAULTS = {
    # Open assigned requests from which a colleague's light turns yellow (busy) …
    "workload.busy": 3,
    # … and red (overloaded).
    "workload.overloaded": 6,
    # Finished work the requester never confirmed closes by itself after so many days.
    "requests.autoclose_days": 3,
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


def get(key: str):
    """The saved value, else the default."""
    saved = db.session.get(Setting, key)
    return saved.value if saved is not None else DEFAULTS[key]


def put(values: dict) -> None:
    """Saves several settings at once. Commits."""
    for key, value in values.items():
        if key not in DEFAULTS:
            raise KeyError(key)
        db.session.merge(Setting(key=key, value=value))
    db.session.commit()
