"""Defaults; WAVE_* environment variables override them; create_app(config) overrides both."""

import os
import secrets
from pathlib import Path

ENV_PREFIX = "WAVE_"


def _env(name, default=None):
    return os.environ.get(ENV_PREFIX + name, default)


def _env_bool(name, default=False):
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: str) -> str:
    """The secret key from WAVE_SECRET_KEY, else one generated once and kept in instance/.

    Several processes on one host share the kept file; several hosts must set the variable.
    """
    if key := _env("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalize_database_url(url: str) -> str:
    """postgresql:// means psycopg2 here (SQLAlchemy 2.1 would pick psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge, Samsung Internet, other Chromium browsers
    "android.googleapis.com",
    "push.services.mozilla.com",  # Firefox
    "push.apple.com",  # Safari
    "notify.windows.com",  # older Edge
)
"""Hosts (and their subdomains) of the browsers' push services Wave sends to."""


def from_environment(instance_path: str) -> dict:
    """Settings read from the environment at start-up."""
    database_url = _env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'wave.db'}"
    redis_url = _env("REDIS_URL")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WAVE_REDIS_URL": redis_url,
        "WAVE_UPLOAD_FOLDER": _env("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        "WAVE_HOST": _env("HOST", "127.0.0.1"),
        "WAVE_PORT": int(_env("PORT", "5000")),
        "WAVE_PUBLIC_URL": _env("PUBLIC_URL"),
        "WAVE_VAPID_SUBJECT": _env("VAPID_SUBJECT"),
        "WAVE_PROXY_FIX": _env_bool("PROXY_FIX"),
        "WAVE_SUBMIT_LIMIT_PER_ADDRESS": _env(
            "SUBMIT_LIMIT_PER_ADDRESS", "10 per minute;60 per hour"
        ),
        "WAVE_SUBMIT_LIMIT_PER_CODE": _env("SUBMIT_LIMIT_PER_CODE", "30 per hour"),
        "WAVE_LOGIN_LIMIT": _env("LOGIN_LIMIT", "10 per minute"),
        "WAVE_API_LIMIT": _env("API_LIMIT", "120 per minute"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "WAVE_DB_POOL_SIZE": int(_env("DB_POOL_SIZE", "20")),
        "WAVE_DB_MAX_OVERFLOW": int(_env("DB_MAX_OVERFLOW", "0")),
        "WAVE_ASYNC_MODE": _env("ASYNC_MODE"),
        "WAVE_ACTIVE_TENANT_REQUESTS": int(_env("ACTIVE_TENANT_REQUESTS", "3")),
        "WAVE_PUSH_SERVICES": tuple(
            host.strip().lower()
            for host in _env("PUSH_SERVICES", ",".join(PUSH_SERVICES)).split(",")
            if host.strip()
        ),
        "WAVE_WORKER_INTERVAL": float(_env("WORKER_INTERVAL", "30")),
        # The worker gathers SQLite's planner statistics (wave.jobs.worker.refresh_statistics).
        "WAVE_SQLITE_STATISTICS": _env_bool("SQLITE_STATISTICS", default=True),
        "WAVE_IMPORT_ROW_LIMIT": int(_env("IMPORT_ROW_LIMIT", "50000")),
        "WAVE_IMPORT_MAX_BYTES": int(_env("IMPORT_MAX_BYTES", str(10 * 1024 * 1024))),
        # E-mail to requesters: off (nothing is queued) until an SMTP host is set.
        "WAVE_SMTP_HOST": _env("SMTP_HOST"),
        "WAVE_SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "WAVE_SMTP_USER": _env("SMTP_USER"),
        "WAVE_SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "WAVE_SMTP_STARTTLS": _env_bool("SMTP_STARTTLS"),
        "WAVE_SMTP_SSL": _env_bool("SMTP_SSL"),
        "WAVE_SMTP_TIMEOUT": float(_env("SMTP_TIMEOUT", "30")),
        "WAVE_MAIL_FROM": _env("MAIL_FROM", "Wave <wave@localhost>"),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Room above the 10 MB photo limit, so an oversized photo is parsed and refused with the
    # form kept, instead of a bare 413.
    "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
    "WAVE_MAX_PHOTO_BYTES": 10 * 1024 * 1024,
    "WAVE_MAX_DOCUMENT_BYTES": 20 * 1024 * 1024,
    "WAVE_PHOTO_MAX_SIDE": 2048,
    "WAVE_THUMB_SIDE": 320,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,  # a form left open on a phone all shift must still submit
    "BABEL_DEFAULT_LOCALE": "en",
    "WAVE_LANGUAGES": {"en": "English", "ru": "Русский"},
    "RATELIMIT_HEADERS_ENABLED": True,
    # Close to a moving window, at a constant cost per hit (a moving window stores every hit).
    "RATELIMIT_STRATEGY": "sliding-window-counter",
    "WAVE_DEMO_PASSWORD": "wave-demo",
}
