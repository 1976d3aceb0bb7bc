"""/admin: the registry's front page and the section links every registry page shows."""

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from wave.admin.access import registry_reader

bp = Blueprint("admin", __name__, url_prefix="/admin")

SECTIONS = (
    ("places.sites", _l("Places")),
    ("labels.index", _l("Labels")),
    ("imports.index", _l("Import")),
    ("people.users", _l("Users")),
    ("people.teams", _l("Teams")),
    ("catalog.categories", _l("Categories")),
    ("catalog.tenants", _l("Tenants")),
    ("team_chats.index", _l("Team chats")),
    ("admin_settings.index", _l("Settings")),
    ("api_tokens.index", _l("API")),
)
SECTION_OF_BLUEPRINT = {"locations": "places.sites"}
"""Blueprints whose pages belong to another blueprint's section."""


@bp.app_context_processor
def _sections():
    def admin_sections(active: str | None = None):
        """(endpoint, label, current) for each section this app has. The current one is
        `active` (a page sets `active_section` where its blueprint serves two sections), else
        the first section of the page's blueprint."""
        if active is None:
            blueprint = request.blueprint or ""
            active = SECTION_OF_BLUEPRINT.get(blueprint) or next(
                (e for e, _label in SECTIONS if e.startswith(blueprint + ".")), None
            )
        return [(e, label, e == active) for e, label in SECTIONS if e in current_app.view_functions]

    return {"admin_sections": admin_sections}


@bp.route("/")
@registry_reader
def index():
    return render_template("admin/index.html")
