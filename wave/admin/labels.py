"""Registry: QR label sheets, per-tag images, print history and printer calibration."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from sqlalchemy import select

from wave.admin.access import registry_reader
from wave.extensions import db
from wave.qr.models import QrTag

bp = Blueprint("labels", __name__, url_prefix="/admin")


@bp.app_context_processor
def _tag_url():
    return {"tag_url": tag_url}


def tag_url(code: str) -> str:
    base = current_app.config.get("WAVE_PUBLIC_URL")
    path = url_for("public.report_form", code=code)
    return (
        base.rstrip("/") + path
        if base
        else url_for("public.report_form", code=code, _external=True)
    )


def _tag(code: str) -> QrTag:
    tag = db.session.scalar(select(QrTag).where(QrTag.code == code))
    if tag is None:
        abort(404)
    return tag


@bp.get("/labels")
@registry_reader
def index():
    return render_template("admin/index.html")


@bp.get("/tags/<code>.png")
@registry_reader
def tag_png(code):
    abort(404)


@bp.get("/tags/<code>.svg")
@registry_reader
def tag_svg(code):
    abort(404)


@bp.get("/tags/<code>")
@registry_reader
def tag_place(code):
    """A code's place and its label: where staff following a replaced label are sent."""
    tag = _tag(code.upper())
    if tag.asset_id:
        return redirect(url_for("locations.asset", asset_id=tag.asset_id, _anchor="tag"), 303)
    return redirect(url_for("locations.location", location_id=tag.location_id, _anchor="tag"), 303)
