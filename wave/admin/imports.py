"""Registry: bulk import of locations and assets from CSV or XLSX.

Upload → preview (every row's action and errors, nothing written) → one all-or-nothing
commit. The file waits between the two steps in the upload storage, named by a signed token
in the preview's URL, so any server process can show the preview or commit it.
"""

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectChoice, SelectField
from wtforms.validators import NumberRange

from wave.admin.access import registry_editor, registry_reader
from wave.extensions import db
from wave.qr import import_uploads, importer
from wave.qr.import_files import (
    COLUMN_HELP,
    EXTENSIONS,
    ImportFileError,
    read_table,
    template_csv,
    template_xlsx,
)
from wave.qr.models import Site
from wave.web.forms import WaveForm

bp = Blueprint("imports", __name__, url_prefix="/admin")

PREVIEW_ROWS = 100
ERROR_ROWS = 200
TEMPLATES = {
    "xlsx": (template_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (template_csv, "text/csv"),
}


class UploadForm(WaveForm):
    site = SelectField(
        _l("Import into site"),
        coerce=int,
        validators=[NumberRange(min=1, message=_l("Choose the site to import into."))],
    )
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file."))])

    def __init__(self, *args, sites: list[Site], **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(s.id, s.name) for s in sites
        ]
        if len(sites) == 1 and not self.is_submitted():
            self.site.data = sites[0].id


class CommitForm(WaveForm):
    """Only the CSRF token: what to import is named by the URL."""


def _limits() -> dict:
    return {
        # A file with max_rows data rows or more is refused (wave/config.py).
        "max_rows": current_app.config["WAVE_IMPORT_ROW_LIMIT"],
        "max_bytes": current_app.config["WAVE_IMPORT_MAX_BYTES"],
    }


@bp.get("/import")
@registry_reader
def index():
    return _index(UploadForm(sites=_sites()), 200)


@bp.post("/import")
@registry_editor
def upload():
    form = UploadForm(sites=_sites())
    if not form.validate_on_submit():
        return _index(form, 422)
    upload_file = form.file.data
    try:
        data = upload_file.read(_limits()["max_bytes"] + 1)
    finally:
        upload_file.close()
    try:
        read_table(data, upload_file.filename, **_limits())  # refuse a bad file right here
    except ImportFileError as exc:
        form.file.errors.append(str(exc))
        return _index(form, 422)
    token = import_uploads.keep(data, upload_file.filename, form.site.data)
    return redirect(url_for("imports.preview", token=token), 303)


@bp.get("/import/preview/<token>")
@registry_editor
def preview(token):
    upload, site = _upload(token)
    done = import_uploads.done(upload)
    plan = None if done else importer.plan_import(site.id, _table(upload))
    return _preview(token, upload, site, plan, done)


@bp.post("/import/preview/<token>")
@registry_editor
def commit(token):
    upload, site = _upload(token)
    if done := import_uploads.done(upload):
        flash(_("This file was already imported: nothing was done twice."))
        return redirect(url_for("imports.index"), 303)
    plan = importer.apply_import(site.id, _table(upload))
    if not plan.ok:
        return _preview(token, upload, site, plan, done)
    import_uploads.mark_done(upload, _summary(plan))
    flash(
        _(
            "Imported into %(site)s: %(new)s new, %(updated)s updated, %(unchanged)s "
            "unchanged, %(tags)s new QR tags.",
            site=site.name,
            **_summary(plan),
        )
    )
    return redirect(url_for("imports.index"), 303)


@bp.get("/import/template.<fmt>")
@registry_reader
def template(fmt):
    if fmt not in TEMPLATES:
        abort(404)
    make, mimetype = TEMPLATES[fmt]
    return send_file(
        io.BytesIO(make(importer.group_names())),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"wave-import-template.{fmt}",
    )


# ---------------------------------------------------------------- helpers
def _sites() -> list[Site]:
    return db.session.scalars(
        select(Site).where(Site.archived_at.is_(None)).order_by(Site.name)
    ).all()


def _index(form: UploadForm, status: int):
    has_places = "places.sites" in current_app.view_functions
    return render_template(
        "admin/imports/index.html",
        form=form,
        has_sites=len(form.site.choices) > 1,
        columns=COLUMN_HELP,
        groups=importer.group_names(),
        extensions=", ".join(EXTENSIONS),
        places_url=url_for("places.sites") if has_places else "",
        **_limits(),
    ), status


def _upload(token):
    """The kept upload and its site, or back to the import page when the link is stale."""
    upload = import_uploads.load(token)
    site = db.session.get(Site, upload.site_id) if upload else None
    if site is None or site.archived_at is not None:
        flash(_("This preview has expired or its site is gone. Please upload the file again."))
        abort(redirect(url_for("imports.index"), 303))
    return upload, site


def _table(upload):
    try:
        return read_table(upload.data, upload.filename, **_limits())
    except ImportFileError as exc:  # read once already; only a changed limit gets here
        flash(str(exc))
        abort(redirect(url_for("imports.index"), 303))


def _summary(plan) -> dict:
    return {
        "new": plan.counts["new"],
        "updated": plan.counts["update"],
        "unchanged": plan.counts["unchanged"],
        "tags": plan.tags,
    }


def _preview(token, upload, site, plan, done):
    return render_template(
        "admin/imports/preview.html",
        token=token,
        upload=upload,
        site=site,
        plan=plan,
        done=done,
        form=CommitForm(),
        changes=importer.CHANGES,
        preview_rows=PREVIEW_ROWS,
        error_rows=ERROR_ROWS,
    ), (200 if plan is None or plan.ok else 422)
