"""What a search asks for, and how the one search box is read."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OPEN = "open"
"""The status choice that means every open status."""

MIN_PHONE_DIGITS = 5
"""Fewer digits than this are a request number or a word, never a phone number."""

_NUMBER = re.compile(r"#\s*(\d{1,9})")
_DIGITS = re.compile(r"\d{1,9}")
_PHONE = re.compile(r"\+?[\d\s().\-/]+")
_EMAIL = re.compile(r"\S*@\S*")


@dataclass(frozen=True)
class Criteria:
    """A search. Every criterion given must hold; empty ones are left out.

    `text` is the search box: '#123' or '123' is a request number, a phone number in any
    format is the requester's phone, 'name@host' their e-mail, anything else words looked for
    in the description, the requester's name and e-mail and the messages of the discussion.
    Dates are whole local days in `timezone`, both included."""

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"
    site_id: int | None = None
    location_id: int | None = None
    """The location and everything under it."""
    place: str = ""
    """Part of a site's name or address, a location's name (with everything under it) or an
    asset's name."""
    requester: str = ""
    """Words of the requester's name (prefixes)."""
    phone: str = ""
    """The requester's phone: its digits are the start of the stored number's digits."""
    email: str = ""
    """The start of the requester's e-mail address, in any case."""
    assignee_id: int | None = None
    unassigned: bool = False
    status: str = ""
    """One of the statuses, OPEN for all open ones, or '' for any."""

    @property
    def box(self) -> "Box":
        return read_box(self.text)

    @property
    def start(self) -> datetime | None:
        return _midnight(self.date_from, self.timezone) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        if self.date_to is None:
            return None
        return _midnight(self.date_to + timedelta(days=1), self.timezone)


@dataclass(frozen=True)
class Box:
    """The search box, read: any of these that are set match (one of them is enough)."""

    number: int | None = None
    phone: str = ""
    email: str = ""
    words: str = ""

    @property
    def empty(self) -> bool:
        return self.number is None and not (self.phone or self.email or self.words)


def read_box(text: str) -> Box:
    """'#123' → number; '12345' → number or phone; '+49 30 123' → phone; 'a@b' → e-mail;
    anything else → words."""
    text = (text or "").strip()
    if not text:
        return Box()
    if match := _NUMBER.fullmatch(text):
        return Box(number=int(match.group(1)))
    if _DIGITS.fullmatch(text):
        phone = text if len(text) >= MIN_PHONE_DIGITS else ""
        return Box(number=int(text), phone=phone)
    digits = phone_digits(text)
    if _PHONE.fullmatch(text) and len(digits) >= MIN_PHONE_DIGITS:
        return Box(phone=digits)
    if _EMAIL.fullmatch(text):
        return Box(email=text)
    return Box(words=text)


def phone_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() and ch.isascii())


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)
