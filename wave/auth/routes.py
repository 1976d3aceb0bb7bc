"""Sign in and out; the user's own settings."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from wave.auth import services
from wave.auth.access import staff_required
from wave.auth.models import User
from wave.config import DEFAULTS
from wave.extensions import db, limiter
from wave.web.forms import WaveForm

bp = Blueprint("auth", __name__)


class LoginForm(WaveForm):
    username = StringField(_l("Username"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class LanguageForm(WaveForm):
    locale = SelectField(_l("Language"))


class SetPasswordForm(WaveForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(
                min=services.MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use %(min)d to %(max)d characters."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


def _login_limit():
    from flask import current_app

    return current_app.config["WAVE_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("requests.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user and user.is_active and user.check_password(form.password.data):
            login_user(user)
            _make_session_permanent()
            return redirect(_safe_next() or url_for("requests.inbox"))
        form.password.errors.append(_("Wrong username or password."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token):
    """The link an admin hands to a new (or locked-out) person: choose a password, be signed in."""
    try:
        user = services.user_for_link(token)
    except services.LinkError as exc:
        status = 400 if exc.reason == "invalid" else 410
        return _no_leaks(_set_password_page(problem=exc.reason), status)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        logout_user()  # whoever used this browser before is not the link's owner
        login_user(user)
        _make_session_permanent()
        flash(_("Your password is set. Welcome to Wave!"))
        return redirect(url_for("requests.inbox"), 303)
    status = 422 if form.errors else 200
    return _no_leaks(_set_password_page(form=form, user=user), status)


def _set_password_page(**context):
    return render_template(
        "auth/set_password.html",
        min_length=services.MIN_PASSWORD_LENGTH,
        link_days=services.PASSWORD_LINK_LIFETIME.days,
        **context,
    )


def _no_leaks(page, status):
    # The token is in the URL: no referrer to other sites, no copy in a shared cache.
    return page, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    form = LanguageForm(locale=current_user.locale or "")
    languages = [("", _("Browser language")), *DEFAULTS["WAVE_LANGUAGES"].items()]
    form.locale.choices = [SelectChoice(value, label) for value, label in languages]
    if form.validate_on_submit():
        current_user.locale = form.locale.data or None
        db.session.commit()
        refresh()  # the page after this one is already in the newly chosen language
        flash(_("Settings saved."))
        return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form)


def _make_session_permanent():
    from flask import session

    session.permanent = True


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    # Only local paths: an open redirect would hand the session to another site.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
