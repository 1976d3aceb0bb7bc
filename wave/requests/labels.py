"""People's words for the request vocabulary, translated."""

from flask_babel import lazy_gettext as _l

STATUS = {
    "new": _l("New"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "on_hold": _l("On hold"),
    "done": _l("Done"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
    "cancelled": _l("Cancelled"),
}
PRIORITY = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}
SOURCE = {
    "qr": _l("QR code"),
    "chat": _l("Chat"),
    "desk": _l("Desk"),
    "api": _l("API"),
    "schedule": _l("Schedule"),
}
ROLE = {
    "admin": _l("Admin"),
    "manager": _l("Manager"),
    "dispatcher": _l("Dispatcher"),
    "staff": _l("Staff"),
}
