"""The tenant's side: no account, no JavaScript needed. /q/<code> reports, /t/<token> tracks."""

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select, update

from wave import reference
from wave.extensions import commit_keeping_loaded, db, limiter
from wave.files.storage import storage
from wave.qr.codes import normalize
from wave.qr.models import QrTag
from wave.qr.services import replacement_for
from wave.requests import catalog, lifecycle, services
from wave.requests.access import access_attachment, access_tracked, find_tag
from wave.requests.catalog import offered_categories
from wave.requests.forms import ActionForm, RateForm, ReopenForm, ReportForm
from wave.requests.models import RequestAttachment, RequestEvent
from wave.web.admission import in_turn

bp = Blueprint("public", __name__)


def _per_address():
    return current_app.config["WAVE_SUBMIT_LIMIT_PER_ADDRESS"]


def _per_code():
    return current_app.config["WAVE_SUBMIT_LIMIT_PER_CODE"]


def _code_key():
    return "code:" + normalize(request.view_args.get("code", ""))


def _usable_tag(code: str) -> QrTag:
    """The tag behind a code, or a polite 404 page (unknown, replaced, or archived place)."""
    tag = find_tag(code)
    if tag is not None and tag.is_usable:
        return tag
    replacement = None
    if tag is None:
        reason = "unknown"
    elif tag.revoked_at is not None:
        replacement = replacement_for(tag)
        reason = "replaced" if replacement else "retired"
    else:
        reason = "archived"
    page = render_template("public/tag_unavailable.html", reason=reason, replacement=replacement)
    abort(make_response(page, 404))


@bp.get("/q/<code>")
@in_turn
def report_form(code):
    tag = _usable_tag(code)
    form = ReportForm(categories=offered_categories(tag.place_location, tag.asset))
    db.session.execute(
        update(QrTag).where(QrTag.id == tag.id).values(scan_count=QrTag.scan_count + 1),
        execution_options=reference.UNCHANGED,
    )
    commit_keeping_loaded()  # the page shows the place as loaded, without reading it again
    return _render_form(tag, form)


@bp.post("/q/<code>")
@limiter.limit(_per_address, methods=["POST"])
@limiter.limit(_per_code, key_func=_code_key, methods=["POST"])
@in_turn
def submit(code):
    tag = _usable_tag(code)
    categories = offered_categories(tag.place_location, tag.asset)
    form = ReportForm(categories=categories)
    valid = form.validate_on_submit()
    photos = form.receive_photo()
    if not valid or form.photo.errors:
        return _render_form(tag, form, 422)
    category = catalog.category(form.category.data)  # one of `categories`: validated
    req, _created = services.submit_from_tag(
        tag,
        category=category,
        description=form.description.data,
        photos=photos,
        contact=form.contact(),
        submission_key=form.submission_key.data or None,
    )
    return redirect(url_for("public.tracking", token=req.tracking_token, submitted=1), 303)


def _render_form(tag, form, status=200, message=None):
    return render_template("public/report.html", tag=tag, form=form, message=message), status


def _resend_form(status, message):
    """The report form as posted (a new CSRF token, what was typed kept) with why it was
    refused, for a post refused before the view ran."""
    tag = _usable_tag(request.view_args["code"])
    form = ReportForm(categories=offered_categories(tag.place_location, tag.asset))
    return _render_form(tag, form, status, message)


def render_csrf_error(error):
    """A tenant whose session cookie was lost gets the form back with the text kept; a staff
    page that expired reloads."""
    if request.endpoint == "public.submit":
        message = _("The page had expired. Please check your report and press Send again.")
        return _resend_form(400, message)
    if request.headers.get("HX-Request"):
        return "", 400, {"HX-Refresh": "true"}
    return render_template("errors/error.html", code=400), 400


def render_rate_limited(error):
    """429 on the report form: the form again, with what was typed and why it was refused."""
    if request.endpoint == "public.submit":
        message = _(
            "Too many reports from here just now. Please wait a few minutes and send again."
        )
        return _resend_form(429, message)
    if request.endpoint == "auth.login":
        message = _("Too many sign-in attempts. Please wait a minute and try again.")
    else:
        message = _("Please wait a minute and try again.")
    return render_template("errors/429.html", message=message), 429


@bp.get("/t/<token>")
def tracking(token):
    req = access_tracked(token)
    return _render_tracking(req)


def _render_tracking(req, status=200, reopen=None, rate=None, error=None):
    events = db.session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == req.id, RequestEvent.public.is_(True))
        .order_by(RequestEvent.id)
    ).all()
    photos = db.session.scalars(
        select(RequestAttachment).where(
            RequestAttachment.request_id == req.id, RequestAttachment.public.is_(True)
        )
    ).all()
    return render_template(
        "public/tracking.html",
        req=req,
        events=events,
        photos=photos,
        submitted=request.args.get("submitted") == "1",
        confirm_form=ActionForm(),
        reopen_form=reopen or ReopenForm(),
        rate_form=rate or RateForm(),
        error=error,
    ), status


@bp.post("/t/<token>/confirm")
def confirm(token):
    req = access_tracked(token)
    if not ActionForm().validate_on_submit():
        return _render_tracking(req, 400)
    return _tenant_action(req, lambda: lifecycle.confirm(req))


@bp.post("/t/<token>/reopen")
def reopen(token):
    req = access_tracked(token)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _render_tracking(req, 422, reopen=form)
    return _tenant_action(req, lambda: lifecycle.reopen(req, form.comment.data), reopen=form)


@bp.post("/t/<token>/rate")
def rate(token):
    req = access_tracked(token)
    form = RateForm()
    if not form.validate_on_submit():
        return _render_tracking(req, 422, rate=form)
    return _tenant_action(
        req, lambda: lifecycle.rate(req, form.rating.data, form.feedback.data), rate=form
    )


def _tenant_action(req, action, **forms):
    try:
        action()
    except services.ActionError as exc:
        db.session.rollback()
        return _render_tracking(req, 422, error=str(exc), **forms)
    return redirect(url_for("public.tracking", token=req.tracking_token), 303)


@bp.get("/t/<token>/files/<int:attachment_id>/<any(full, thumb):variant>")
def tracked_file(token, attachment_id, variant):
    req = access_tracked(token)
    attachment = access_attachment(req, attachment_id, public_only=True)
    return send_attachment(attachment, variant)


def send_attachment(attachment, variant):
    key = (
        attachment.thumb_key
        if variant == "thumb" and attachment.thumb_key
        else attachment.storage_key
    )
    document = not attachment.content_type.startswith("image/")
    response = send_file(
        io.BytesIO(storage().read(key)),
        attachment.content_type,
        # A document is downloaded under its own name, never shown in Wave's page.
        as_attachment=document,
        download_name=(attachment.original_name or "document") if document else None,
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
