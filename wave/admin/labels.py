"""Registry: QR label sheets, per-tag images, print history and printer calibration."""

import io

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from wave.admin.access import registry_editor, registry_reader
from wave.admin.label_forms import TEMPLATE_LABELS, OffsetForm, PrintForm, SelectionForm
from wave.admin.places import location_choices
from wave.extensions import db
from wave.qr import images, labels, printing
from wave.qr.codes import tag_url
from wave.qr.models import Asset, LabelPrint, Location, QrTag, Site
from wave.timeutil import now

bp = Blueprint("labels", __name__, url_prefix="/admin")

HISTORY_PAGE = 50


@bp.app_context_processor
def _tag_url():
    return {"tag_url": tag_url}


# ---------------------------------------------------------------- choose and print
@bp.get("/labels")
@registry_reader
def index():
    selection = SelectionForm(formdata=request.args)
    if "language" not in request.args:
        selection.language.data = _language()  # the labels speak as the page does
    return _page(selection, PrintForm(formdata=None), 200)


@bp.post("/labels/print")
@registry_editor
def print_sheet():
    """The PDF of the ticked labels, recorded in the print history."""
    form = PrintForm()
    items = printing.select_labels(codes=form.codes.data) if form.validate_on_submit() else []
    if not items:
        if not form.codes.errors:
            form.codes.errors = [_("None of these labels can be printed any more.")]
        return _page(SelectionForm(formdata=request.form), form, 422)
    language = form.language.data
    offset = printing.offset_for(form.template.data)
    pdf = labels.render_sheet(items, form.template.data, offset, language)
    printing.record_print(
        current_user, form.template.data, language, request.form.get("selection", ""), items
    )
    name = f"wave-labels-{form.template.data}-{now():%Y%m%d-%H%M}.pdf"
    return send_file(io.BytesIO(pdf), "application/pdf", as_attachment=True, download_name=name)


def _page(selection: SelectionForm, print_form: PrintForm, status: int):
    site = _choose_site(selection)
    location_id = selection.location.data or None
    kind = selection.kind.data or None
    codes = request.values.getlist("codes") if request.method == "GET" else None
    items = printing.select_labels(
        site_id=site.id if site else None,
        location_id=location_id,
        asset_kind=kind,
        codes=codes or None,
    )
    ticked = set(print_form.codes.data or ()) if print_form.is_submitted() else None
    return render_template(
        "admin/labels/index.html",
        selection=selection,
        print_form=print_form,
        items=items,
        ticked=ticked,
        described=_describe(site, location_id, kind, codes),
        pages=labels.page_count(len(items), selection.template.data) if items else 0,
    ), status


def _choose_site(form: SelectionForm) -> Site | None:
    """Fills the pickers: the site's floors and rooms, the sorts of equipment it has."""
    sites = db.session.scalars(
        select(Site).where(Site.archived_at.is_(None)).order_by(Site.name)
    ).all()
    form.site.choices = [SelectChoice(0, _("All sites"))] + [
        SelectChoice(s.id, s.name) for s in sites
    ]
    if form.site.data is None and len(sites) == 1:
        form.site.data = sites[0].id
    site = next((s for s in sites if s.id == form.site.data), None)
    form.location.choices = [SelectChoice(0, _("The whole site"))]
    form.kind.choices = [SelectChoice("", _("Rooms and equipment"))]
    if site is not None:
        form.location.choices += location_choices(site)
        kinds = db.session.scalars(
            select(Asset.kind)
            .where(Asset.site_id == site.id, Asset.kind.is_not(None), Asset.archived_at.is_(None))
            .distinct()
            .order_by(Asset.kind)
        )
        form.kind.choices += [SelectChoice(k, _("Only: %(kind)s", kind=k)) for k in kinds]
    if form.template.data not in TEMPLATE_LABELS:
        form.template.data = "a4-3x8"
    return site


def _describe(site, location_id, kind, codes) -> str:
    """The selection in words, for the print history."""
    parts = [site.name if site else _("All sites")]
    if location_id and (location := db.session.get(Location, location_id)):
        parts.append(location.full_name)
    if kind:
        parts.append(kind)
    if codes:
        parts.append(_("picked by hand"))
    return " · ".join(parts)


# ---------------------------------------------------------------- one tag
def _tag(code: str) -> QrTag:
    tag = db.session.scalar(select(QrTag).where(QrTag.code == code.upper()))
    if tag is None:
        abort(404)
    return tag


@bp.get("/tags/<code>.png")
@registry_reader
def tag_png(code):
    tag = _tag(code)
    return send_file(
        io.BytesIO(images.tag_png(tag.code)), "image/png", download_name=f"wave-{tag.code}.png"
    )


@bp.get("/tags/<code>.svg")
@registry_reader
def tag_svg(code):
    tag = _tag(code)
    return send_file(
        io.BytesIO(images.tag_svg(tag.code)), "image/svg+xml", download_name=f"wave-{tag.code}.svg"
    )


@bp.get("/tags/<code>")
@registry_reader
def tag_place(code):
    """A code's place and its label: where staff following a replaced label are sent."""
    tag = _tag(code)
    if tag.asset_id:
        return redirect(url_for("locations.asset", asset_id=tag.asset_id, _anchor="tag"), 303)
    return redirect(url_for("locations.location", location_id=tag.location_id, _anchor="tag"), 303)


# ---------------------------------------------------------------- history and calibration
@bp.get("/labels/history")
@registry_reader
def history():
    """Who printed what, newest first, a page at a time (keyset on id)."""
    query = select(LabelPrint).options(joinedload(LabelPrint.user)).order_by(LabelPrint.id.desc())
    if before := request.args.get("before", type=int):
        query = query.where(LabelPrint.id < before)
    rows = db.session.scalars(query.limit(HISTORY_PAGE + 1)).all()
    more = len(rows) > HISTORY_PAGE
    return render_template(
        "admin/labels/history.html",
        prints=rows[:HISTORY_PAGE],
        next_before=rows[HISTORY_PAGE - 1].id if more else None,
        templates=TEMPLATE_LABELS,
    )


@bp.get("/labels/calibration")
@registry_reader
def calibration():
    return _calibration_page({}, 200)


@bp.get("/labels/calibration/<template>.pdf")
@registry_reader
def calibration_pdf(template):
    if template not in TEMPLATE_LABELS:
        abort(404)
    pdf = labels.render_calibration(template, printing.offset_for(template), _language())
    name = f"wave-calibration-{template}.pdf"
    return send_file(io.BytesIO(pdf), "application/pdf", download_name=name)


@bp.post("/labels/calibration/<template>")
@registry_editor
def save_offset(template):
    if template not in TEMPLATE_LABELS:
        abort(404)
    form = OffsetForm(prefix=template)
    if not form.validate_on_submit():
        return _calibration_page({template: form}, 422)
    printing.save_offset(template, form.dx.data, form.dy.data)
    return redirect(url_for("labels.calibration", _anchor=template), 303)


def _calibration_page(forms: dict, status: int):
    for template in TEMPLATE_LABELS:
        if template not in forms:
            dx, dy = printing.offset_for(template)
            forms[template] = OffsetForm(formdata=None, prefix=template, dx=dx, dy=dy)
    return render_template(
        "admin/labels/calibration.html", forms=forms, templates=TEMPLATE_LABELS
    ), status


def _language() -> str:
    locale = str(get_locale())
    return locale if locale in ("en", "ru") else "en"
