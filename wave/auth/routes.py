"""Sign in and out; the user's own settings."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired

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
