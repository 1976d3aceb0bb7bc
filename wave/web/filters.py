"""Template helpers: dates in the viewer's language, labels, error pages."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import render_template
from flask_babel import format_datetime, format_timedelta, get_locale
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from wave.requests import due, labels
from wave.timeutil import now


def init_app(app):
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["ago"] = lambda value: (
        format_timedelta(value - now(), add_direction=True) if value else ""
    )
    app.jinja_env.globals.update(
        STATUS=labels.STATUS,
        PRIORITY=labels.PRIORITY,
        SOURCE=labels.SOURCE,
        ROLE=labels.ROLE,
        csrf_token=generate_csrf,
        get_locale=get_locale,
        sla_state=lambda req: due.clock(req, now()),
    )
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["seconds"] = lambda n: timedelta(seconds=n or 0)

    from flask_wtf.csrf import CSRFError

    from wave.requests.public import render_csrf_error, render_rate_limited

    app.register_error_handler(429, render_rate_limited)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(500, _error_page)


def duration(value) -> str:
    """A length of time, short, in the viewer's language: '35 min', '3 hr', '2 days'."""
    if value is None:
        return ""
    return babel_dates.format_timedelta(
        value, format="short", threshold=1.5, locale=get_locale() or "en"
    )


def when(value, timezone: str | None = None) -> str:
    """A moment in the viewer's language, in the given (site's) timezone."""
    if value is None:
        return ""
    if timezone:
        return format_datetime(value.astimezone(ZoneInfo(timezone)), "short", rebase=False)
    return format_datetime(value, "short")


def _error_page(error):
    """Every HTTP error as a page in the viewer's language, never Werkzeug's English one."""
    code = getattr(error, "code", 500) or 500
    if code < 400:  # redirects raised as exceptions (e.g. routing's trailing slash) pass on
        return error
    return render_template("errors/error.html", code=code), code
