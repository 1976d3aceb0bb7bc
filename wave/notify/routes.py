"""The bell: a person's notifications, the unread count, opening one, marking all read."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from wave.auth.access import staff_required
from wave.extensions import db
from wave.notify import services
from wave.notify.models import Notification

bp = Blueprint("notify", __name__)


@bp.app_template_global()
def notifications_unread() -> int:
    """The number on the bell."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)


@bp.app_template_global()
def notification_text(notification) -> str:
    return services.text_of(notification)


@bp.get("/notifications")
@staff_required
def index():
    before = request.args.get("before", type=int)
    rows = services.recent(current_user, before=before)
    template = "notify/_items.html" if before else "notify/index.html"
    return render_template(template, rows=rows, more=len(rows) == services.PAGE_SIZE)


@bp.get("/notifications/bell")
@staff_required
def bell():
    return render_template("notify/_bell.html"), 200, {"Vary": "HX-Request"}


@bp.get("/notifications/<int:notification_id>/notice")
@staff_required
def notice(notification_id):
    """A short live notice of a new notification (staff.js shows it for a while)."""
    row = _own(notification_id)
    return render_template("notify/_notice.html", n=row), 200, {"Vary": "HX-Request"}


@bp.get("/notifications/<int:notification_id>")
@staff_required
def open_one(notification_id):
    """Opening a notification reads it and goes where it points."""
    row = _own(notification_id)
    if row.read_at is None:
        services.mark_read(current_user, row.id)
    target = (row.data or {}).get("url") or ""
    local = target.startswith("/") and not target.startswith("//")
    return redirect(target if local else url_for("notify.index"))


@bp.post("/notifications/read")
@staff_required
def read_all():
    services.mark_read(current_user)
    return redirect(url_for("notify.index"), 303)


def _own(notification_id) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    return row
