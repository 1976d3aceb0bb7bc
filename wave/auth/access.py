"""Who is asking: every staff route starts here."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from wave.auth.models import User
from wave.extensions import db, login_manager


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user and user.is_active else None


def staff_required(view):
    """Any signed-in, non-archived staff account; anonymous users go to /login."""
    return login_required(view)


def roles_required(*roles):
    """Signed in with one of `roles`, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


desk_required = roles_required("admin", "manager", "dispatcher")


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the sign-in page says enough


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import redirect, request, url_for

    from wave.extensions import htmx

    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if htmx:
        # htmx would swap the sign-in page into a fragment; send the whole window there.
        return "", 401, {"HX-Redirect": target}
    return redirect(target)
