"""/admin/settings: what an admin tunes at run time (managers may look)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from wave import settings
from wave.admin.access import registry_editor, registry_reader
from wave.web.forms import WaveForm

bp = Blueprint("admin_settings", __name__, url_prefix="/admin")

_COUNT = [
    InputRequired(message=_l("Enter a whole number.")),
    NumberRange(1, 999, message=_l("Use a whole number from 1 to 999.")),
]


class WorkloadForm(WaveForm):
    busy = IntegerField(
        _l("Busy (yellow) from"),
        validators=_COUNT,
        description=_l("Open requests assigned to someone from which their light turns yellow."),
    )
    overloaded = IntegerField(
        _l("Overloaded (red) from"),
        validators=_COUNT,
        description=_l("From this many open requests the light turns red."),
    )

    def validate_overloaded(self, field):
        if self.busy.data is not None and field.data is not None and field.data <= self.busy.data:
            raise ValidationError(_l("Must be more than the busy number."))


@bp.get("/settings")
@registry_reader
def index():
    form = WorkloadForm(
        formdata=None,
        busy=settings.get("workload.busy"),
        overloaded=settings.get("workload.overloaded"),
    )
    return render_template("admin/settings.html", form=form)


@bp.post("/settings")
@registry_editor
def save():
    form = WorkloadForm()
    if not form.validate_on_submit():
        return render_template("admin/settings.html", form=form), 422
    settings.put({"workload.busy": form.busy.data, "workload.overloaded": form.overloaded.data})
    flash(_("Saved."))
    return redirect(url_for("admin_settings.index"), 303)
