"""/api/v1: other systems send requests as JSON, with a token an admin issued (README: API).

    POST /api/v1/requests     a new request; a retry with the same Idempotency-Key answers
                              with the request the first one made (200 instead of 201)
    GET  /api/v1/requests/<id>  how a request this token sent stands
    GET  /api/v1/categories   the categories a request can be filed under

Authorization: Bearer <token>. No session, no CSRF token (nothing here reads a cookie);
rate-limited per token. Errors are JSON: {"error": why, "fields": {field: [messages]}}.
"""

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from wave.api import tokens
from wave.api.models import ApiRequest
from wave.extensions import csrf, db, limiter
from wave.requests import services
from wave.requests.access import find_tag
from wave.requests.catalog import active_items
from wave.requests.forms import ContactMixin
from wave.requests.labels import PRIORITY
from wave.requests.models import Category, ServiceRequest
from wave.requests.places import parse_place, place_by_value
from wave.web.forms import WaveForm
from wave.web.urls import public_base_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

KEY_LENGTH = 48
"""Longest Idempotency-Key taken (the stored key adds the token's id)."""


class RequestForm(ContactMixin, WaveForm):
    """A request as JSON: the tenant form's fields, the place and a priority."""

    class Meta(WaveForm.Meta):
        csrf = False  # a bearer token, not a cookie, says who is asking

    category = IntegerField(validators=[DataRequired(message=_l("Give a category's id."))])
    description = TextAreaField(
        validators=[
            DataRequired(message=_l("Please describe the problem.")),
            Length(max=2000, message=_l("Please keep it under 2000 characters.")),
        ]
    )
    code = StringField(validators=[Length(max=40)])
    """A QR code's code: the place it is on."""
    place = StringField(validators=[Length(max=12)])
    """'l<id>' (a location) or 'a<id>' (an asset)."""
    priority = StringField(validators=[Optional()])

    def validate_category(self, field):
        if field.data not in {item.id for item in active_items()}:
            raise StopValidation(_l("There is no such category in use."))

    def validate_priority(self, field):
        if field.data and field.data not in PRIORITY:
            raise StopValidation(_l("Use one of: %(values)s.", values=", ".join(PRIORITY)))

    def validate_place(self, field):  # runs when empty too: one of code and place is needed
        if bool(self.code.data) == bool(field.data):
            raise StopValidation(_l("Give either the code of a QR label or a place."))
        if self.code.data:
            tag = find_tag(self.code.data)
            if tag is None or not tag.is_usable:
                raise StopValidation(_l("There is no QR label in use with this code."))
            self.found = (None, tag.asset) if tag.asset else (tag.location, None)
        else:
            if place_by_value(field.data) is None:
                raise StopValidation(_l("This place is not in use. Please choose another one."))
            self.found = parse_place(field.data)


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
        token = tokens.check(presented.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            answer = jsonify(error=_("A valid API token is needed."))
            answer.headers["WWW-Authenticate"] = 'Bearer realm="wave"'
            return answer, 401
        g.api_token = token
        return view(*args, **kwargs)

    return wrapped


def _per_token():
    return current_app.config["WAVE_API_LIMIT"]


def _token_key() -> str:
    return "api:" + tokens.digest(request.headers.get("Authorization", ""))[:32]


@bp.post("/requests")
@limiter.limit(_per_token, key_func=_token_key)
@token_required
def create_request():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error=_("Send a JSON object.")), 400
    fields = {k: v for k, v in data.items() if type(v) in (str, int)}  # no lists, no booleans
    form = RequestForm(formdata=MultiDict({k: str(v) for k, v in fields.items()}))
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > KEY_LENGTH:
        return jsonify(error=_("The Idempotency-Key is too long.")), 400
    if not form.validate():
        return jsonify(error=_("Please check the fields."), fields=form.errors), 422
    location, asset = form.found
    req, created = services.create_from_api(
        g.api_token.name,
        category=db.session.get(Category, form.category.data),
        location=location,
        asset=asset,
        description=form.description.data,
        priority=form.priority.data or None,
        contact=form.contact(),
        submission_key=f"api{g.api_token.id}:{key}" if key else None,
        also=_sent_by(g.api_token),
    )
    return jsonify(_described(req)), 201 if created else 200


def _sent_by(token):
    """Notes, with the new request, that this token sent it (it may read it later)."""

    def note(req):
        db.session.add(ApiRequest(request_id=req.id, token_id=token.id))

    return note


@bp.get("/requests/<int:request_id>")
@token_required
def request_status(request_id):
    """How a request this token sent stands (nothing of the requester)."""
    sent = db.session.get(ApiRequest, request_id)
    if sent is None or sent.token_id != g.api_token.id:
        return jsonify(error=_("This token sent no request with this number.")), 404
    req = db.session.get(ServiceRequest, request_id)
    moments = ("created_at", "first_response_at", "resolved_at", "closed_at")
    times = {m: (getattr(req, m).isoformat() if getattr(req, m) else None) for m in moments}
    return jsonify({**_described(req), **times})


@bp.get("/categories")
@token_required
def categories():
    return jsonify([{"id": c.id, "name": c.name, "group": c.group} for c in active_items()])


def _described(req) -> dict:
    base = public_base_url()
    return {
        "id": req.id,
        "number": req.number,
        "status": req.status,
        "priority": req.priority,
        "url": base + url_for("requests.detail", request_id=req.id),
        "tracking_url": base + url_for("public.tracking", token=req.tracking_token),
    }


@bp.errorhandler(HTTPException)
def _json_error(error):
    """Errors of the API in JSON, never the staff app's pages."""
    return jsonify(error=error.description), error.code


@bp.errorhandler(429)  # the app's own handler for 429 would answer with a page
def _too_many(error):
    return jsonify(error=_("Too many requests. Please wait a minute and try again.")), 429
