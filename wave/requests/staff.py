"""The staff app: inbox and the request page. Every action answers htmx with the request's
panel and a plain form post with a redirect, so both work."""

from datetime import datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wave.auth.access import staff_required
from wave.auth.models import User
from wave.extensions import db, htmx
from wave.files.documents import DocumentError, read_document
from wave.files.images import PhotoError, read_photo, uploaded_files
from wave.messenger import services as messenger
from wave.messenger.models import Message
from wave.requests import discussion, lifecycle, queries, triage
from wave.requests.access import access_attachment, access_request
from wave.requests.catalog import active_items
from wave.requests.forms import (
    ActionForm,
    AssignForm,
    CancelForm,
    ClassifyForm,
    DocumentForm,
    DoneForm,
    HoldForm,
    MessageForm,
    PhotoForm,
    ReplyForm,
    choices,
)
from wave.requests.models import Category, RequestAttachment
from wave.requests.public import send_attachment
from wave.requests.services import ActionError

bp = Blueprint("requests", __name__)


@bp.get("/")
@staff_required
def home():
    return redirect(url_for("requests.inbox"))


@bp.get("/inbox")
@staff_required
def inbox():
    tab = _tab()
    rows, cursor = queries.inbox(current_user, tab)
    return render_template(
        "requests/inbox.html",
        tab=tab,
        tabs=queries.tabs_for(current_user),
        rows=rows,
        cursor=cursor,
    )


@bp.get("/inbox/list")
@staff_required
def inbox_list():
    tab = _tab()
    rows, cursor = queries.inbox(current_user, tab, cursor=request.args.get("cursor"))
    return render_template(
        "requests/_inbox_list.html",
        tab=tab,
        rows=rows,
        cursor=cursor,
        appending="cursor" in request.args,
    )


def _tab() -> str:
    tab = request.args.get("tab", "new")
    if tab not in queries.tabs_for(current_user):
        abort(404)
    return tab


@bp.get("/requests/<int:request_id>")
@staff_required
def detail(request_id):
    req = access_request(request_id, current_user)
    return render_template("requests/detail.html", **_panel_context(req))


@bp.get("/requests/<int:request_id>/panel")
@staff_required
def panel(request_id):
    req = access_request(request_id, current_user)
    return render_template("requests/_panel.html", **_panel_context(req))


def _panel_context(req, error=None, field=None, **forms):
    events = queries.timeline(req)
    context = {
        "req": req,
        "events": events,
        "messages": messenger.messages_of(req.thread_id) if req.thread_id else [],
        **_files(req),
        "error": error,
        "error_field": field,
        "can_take": lifecycle.can_take(req, current_user),
        "can_work": lifecycle.can_work(req, current_user),
        "hold_form": forms.get("hold") or HoldForm(formdata=None),
        "done_form": forms.get("done") or DoneForm(formdata=None),
        "cancel_form": forms.get("cancel") or CancelForm(formdata=None),
        "message_form": forms.get("message") or MessageForm(formdata=None, client_id=uuid4().hex),
        "names": queries.names_in(events),
        "reply_form": forms.get("reply") or ReplyForm(formdata=None),
        "assign_form": None,
        "classify_form": None,
    }
    if current_user.is_desk and req.is_open:
        context["classify_form"] = forms.get("classify") or _classify_form(req)
    if current_user.is_desk and req.is_open:
        form = forms.get("assign") or AssignForm(formdata=None, assignee=req.assignee_id)
        form.assignee.choices = choices(
            (u.id, u.display_name) for u in queries.assignable_staff(req)
        )
        context["assign_form"] = form
    return context


def _files(req) -> dict:
    """The request's photos and its documents, each in the order they came."""
    links = db.session.scalars(
        select(RequestAttachment)
        .where(RequestAttachment.request_id == req.id)
        .options(joinedload(RequestAttachment.attachment))
        .order_by(RequestAttachment.attachment_id)
    ).all()
    return {
        "photos": [link for link in links if link.purpose != "document"],
        "documents": [link for link in links if link.purpose == "document"],
    }


def _respond(req, action, **forms):
    """Run `action`; answer with the panel (htmx) or a redirect, or the errors with 422."""
    try:
        action()
    except ActionError as exc:
        db.session.rollback()
        return _render_result(req, 422, error=str(exc), field=exc.field, **forms)
    return _render_result(req, 200)


def _render_result(req, status, **context):
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        response = render_template("requests/_panel.html", **_panel_context(req, **context))
        return response, status, {"Vary": "HX-Request"}
    if status >= 400:
        return render_template("requests/detail.html", **_panel_context(req, **context)), status
    return redirect(url_for("requests.detail", request_id=req.id), 303)


def _invalid(req, form, **forms):
    field, errors = next(iter(form.errors.items()))
    message = errors[0] if isinstance(errors, list) else str(errors)
    if field == "csrf_token":
        message = _("The form expired. Please try again.")
    return _render_result(req, 422, error=message, field=field, **forms)


@bp.post("/requests/<int:request_id>/take")
@staff_required
def take(request_id):
    req = access_request(request_id, current_user)
    form = ActionForm()
    if not form.validate_on_submit():
        return _invalid(req, form)
    return _respond(req, lambda: lifecycle.take(req, current_user))


@bp.post("/requests/<int:request_id>/assign")
@staff_required
def assign(request_id):
    req = access_request(request_id, current_user)
    form = AssignForm()
    form.assignee.choices = choices((u.id, u.display_name) for u in queries.assignable_staff(req))
    if not form.validate_on_submit():
        return _invalid(req, form, assign=form)
    assignee = db.session.get(User, form.assignee.data)
    return _respond(req, lambda: lifecycle.assign(req, current_user, assignee), assign=form)


@bp.post("/requests/<int:request_id>/start")
@staff_required
def start(request_id):
    req = access_request(request_id, current_user)
    form = ActionForm()
    if not form.validate_on_submit():
        return _invalid(req, form)
    return _respond(req, lambda: lifecycle.start(req, current_user))


@bp.post("/requests/<int:request_id>/hold")
@staff_required
def hold(request_id):
    req = access_request(request_id, current_user)
    form = HoldForm()
    if not form.validate_on_submit():
        return _invalid(req, form, hold=form)
    try:
        resume_at = _local_datetime(form.resume_at.data, req.site.timezone)
    except ValueError:
        return _render_result(
            req,
            422,
            error=_("Use a date and time like 2026-05-01 09:00."),
            field="resume_at",
            hold=form,
        )
    return _respond(
        req, lambda: lifecycle.hold(req, current_user, form.reason.data, resume_at), hold=form
    )


@bp.post("/requests/<int:request_id>/done")
@staff_required
def done(request_id):
    req = access_request(request_id, current_user)
    form = DoneForm()
    if not form.validate_on_submit():
        return _invalid(req, form, done=form)
    try:
        photos = [read_photo(f) for f in uploaded_files(form.photo.data)]
    except PhotoError as exc:
        return _render_result(req, 422, error=str(exc), field="photo", done=form)
    return _respond(
        req, lambda: lifecycle.complete(req, current_user, form.labor.data, photos), done=form
    )


@bp.post("/requests/<int:request_id>/cancel")
@staff_required
def cancel(request_id):
    req = access_request(request_id, current_user)
    form = CancelForm()
    if not form.validate_on_submit():
        return _invalid(req, form, cancel=form)
    return _respond(req, lambda: lifecycle.cancel(req, current_user, form.reason.data), cancel=form)


@bp.post("/requests/<int:request_id>/reply")
@staff_required
def reply(request_id):
    req = access_request(request_id, current_user)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _invalid(req, form, reply=form)
    return _respond(req, lambda: triage.reply(req, current_user, form.text.data), reply=form)


@bp.post("/requests/<int:request_id>/classify")
@staff_required
def classify(request_id):
    req = access_request(request_id, current_user)
    form = _classify_form(req, formdata=request.form)
    if not form.validate_on_submit():
        return _invalid(req, form, classify=form)
    return _respond(
        req,
        lambda: triage.reclassify(
            req,
            current_user,
            category=db.session.get(Category, form.category.data),  # validated: offered
            priority=form.priority.data,
            sla_class=form.sla_class.data,
        ),
        classify=form,
    )


def _classify_form(req, formdata=None):
    form = ClassifyForm(
        formdata=formdata,
        category=req.category_id,
        priority=req.priority,
        sla_class=req.sla_class,
    )
    form.category.choices = choices((c.id, f"{c.group} → {c.name}") for c in active_items())
    return form


@bp.post("/requests/<int:request_id>/messages")
@staff_required
def post_message(request_id):
    req = access_request(request_id, current_user)
    form = MessageForm()
    if not form.validate_on_submit():
        return _invalid(req, form, message=form)
    return _respond(
        req,
        lambda: discussion.comment(req, current_user, form.body.data, form.client_id.data),
        message=form,
    )


@bp.post("/requests/<int:request_id>/messages/<int:message_id>/edit")
@staff_required
def edit_message(request_id, message_id):
    req = access_request(request_id, current_user)
    message = db.session.get(Message, message_id) or abort(404)
    form = MessageForm()
    if not form.validate_on_submit():
        return _invalid(req, form)
    return _respond(
        req, lambda: discussion.edit_comment(req, message, current_user, form.body.data)
    )


@bp.post("/requests/<int:request_id>/photos")
@staff_required
def add_photos(request_id):
    req = access_request(request_id, current_user)
    form = PhotoForm()
    if not form.validate_on_submit():
        return _invalid(req, form)
    try:
        photos = [read_photo(f) for f in uploaded_files(form.photo.data)]
    except PhotoError as exc:
        return _render_result(req, 422, error=str(exc), field="photo")
    return _respond(req, lambda: discussion.add_photos(req, current_user, photos))


@bp.post("/requests/<int:request_id>/documents")
@staff_required
def add_documents(request_id):
    req = access_request(request_id, current_user)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _invalid(req, form)
    try:
        documents = [read_document(f) for f in uploaded_files(form.document.data)]
    except DocumentError as exc:
        return _render_result(req, 422, error=str(exc), field="document")
    return _respond(req, lambda: discussion.add_documents(req, current_user, documents))


@bp.get("/requests/<int:request_id>/files/<int:attachment_id>/<any(full, thumb):variant>")
@staff_required
def file(request_id, attachment_id, variant):
    req = access_request(request_id, current_user)
    return send_attachment(access_attachment(req, attachment_id, public_only=False), variant)


def _local_datetime(value: str | None, timezone: str) -> datetime | None:
    """A datetime-local field's value, read in the site's timezone."""
    value = (value or "").strip()
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(timezone))
