"""Erasing a requester's contact: a page that says what will go, and the post that erases."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import BooleanField

from wave.auth.access import roles_required
from wave.privacy import services
from wave.requests.access import access_request
from wave.web.forms import WaveForm

bp = Blueprint("privacy", __name__)

SHOWN = 20
"""The other requests listed by number on the page (all of them are counted)."""


@bp.app_context_processor
def _may_erase():
    return {"may_erase_contact": services.may_erase}  # the request page's "Erase…" link


class EraseForm(WaveForm):
    everywhere = BooleanField(
        _l("Also from the other requests with this phone or e-mail"), default=True
    )


@bp.route("/requests/<int:request_id>/erase-contact", methods=["GET", "POST"])
@roles_required(*services.ERASERS)
def erase_contact(request_id):
    req = access_request(request_id, current_user)
    if not services.has_contact(req):  # erased already (a second tap): nothing to ask
        return redirect(url_for("requests.detail", request_id=req.id), 303)
    form = EraseForm()
    if form.validate_on_submit():
        erased = services.erase_contact(current_user, req, everywhere=form.everywhere.data)
        flash(
            ngettext(
                "The contact details were erased from %(num)d request.",
                "The contact details were erased from %(num)d requests.",
                erased,
            )
        )
        return redirect(url_for("requests.detail", request_id=req.id), 303)
    others = services.same_contact(req)
    return render_template(
        "privacy/erase.html", req=req, form=form, others=others[:SHOWN], count=len(others)
    )
