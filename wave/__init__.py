"""Wave: QR requests, a staff PWA and a work messenger for commercial buildings."""

import gc

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from wave import config
from wave.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate, socketio
from wave.web import headers


class _SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the page was served over HTTPS."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or request.is_secure


def select_locale():
    languages = list(config.DEFAULTS["WAVE_LANGUAGES"])
    if not has_request_context():
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(overrides or {})
    app.config["SQLALCHEMY_DATABASE_URI"] = config.normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A gevent worker serves many requests at once. Those beyond the pool wait for one of
        # its connections: an overflow connection is a PostgreSQL session opened and closed
        # for one request, and under load that churn cost more than the wait (bench/RESULTS.md).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_size": app.config["WAVE_DB_POOL_SIZE"],
            "max_overflow": app.config["WAVE_DB_MAX_OVERFLOW"],
            # JIT compilation costs a year's report 100-265 ms and never pays back within
            # Wave's statements (bench/reports_notes.md); off for Wave's connections only.
            "connect_args": {"options": "-c jit=off"},
        }
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.load_secret_key(app.instance_path)
    app.session_interface = _SessionInterface()
    if app.config["WAVE_PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _bind_extensions(app)
    _register_blueprints(app)
    headers.init_app(app)
    return app


def _bind_extensions(app):
    from wave import models, reference  # noqa: F401  (models: every table known before migrate)
    from wave.files import storage
    from wave.web import admission

    db.init_app(app)
    reference.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    storage.init_app(app)

    async_mode = app.config["WAVE_ASYNC_MODE"] or _async_mode()
    if async_mode == "gevent":
        # psycopg2 would block the whole gevent worker on every query; this makes it yield.
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()
        # Full collections over the start-up objects stopped the worker for 50–90 ms under
        # load; frozen, they are never scanned again.
        gc.freeze()
    admission.init_app(app, async_mode)

    # Handlers must be registered before init_app, or they vanish on the next create_app().
    from wave.messenger import sockets  # noqa: F401
    from wave.requests import threads  # noqa: F401  (request discussions, for the messenger)

    # init_app keeps a message-queue client made for an earlier app: each app chooses anew.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        message_queue=app.config["WAVE_REDIS_URL"],
        async_mode=async_mode,
        manage_session=False,  # Flask's signed cookie session stays the one truth
        cors_allowed_origins=app.config.get("WAVE_CORS_ORIGINS", []) or None,
    )


def _async_mode() -> str:
    """gevent under `gunicorn -k gevent` (it patches the socket module first), else threading.

    Flask-SocketIO would pick gevent whenever it is installed, which breaks the threaded
    development server and tests.
    """
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def _register_blueprints(app):
    from wave.admin import catalog, chat_settings, home, imports, labels, locations, people, places
    from wave.admin import settings as admin_settings
    from wave.api import admin_routes as api_admin
    from wave.api import routes as api_routes
    from wave.auth import routes as auth_routes
    from wave.directory import routes as directory_routes
    from wave.messenger import routes as chat_routes
    from wave.notify import push_routes
    from wave.notify import routes as notify_routes
    from wave.plans import routes as plan_routes
    from wave.privacy import routes as privacy_routes
    from wave.pwa import routes as pwa_routes
    from wave.reports import routes as report_routes
    from wave.requests import chat_routes as request_chat_routes
    from wave.requests import desk, public, staff
    from wave.search import routes as search_routes
    from wave.sla import routes as sla_routes
    from wave.web import filters

    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(plan_routes.bp)
    app.register_blueprint(request_chat_routes.bp)
    app.register_blueprint(pwa_routes.bp)
    app.register_blueprint(chat_routes.bp)
    app.register_blueprint(directory_routes.bp)
    app.register_blueprint(notify_routes.bp)
    app.register_blueprint(sla_routes.bp)
    app.register_blueprint(report_routes.bp)
    app.register_blueprint(push_routes.bp)
    app.register_blueprint(search_routes.bp)
    app.register_blueprint(privacy_routes.bp)
    app.register_blueprint(api_routes.bp)
    app.register_blueprint(api_admin.bp)
    admin = (home, places, locations, labels, imports, people, catalog)
    for module in (*admin, chat_settings, admin_settings):
        app.register_blueprint(module.bp)
    filters.init_app(app)
