"""Forms of the places registry: sites, locations, assets, offered categories."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from wave.qr.services import LOCATION_KINDS
from wave.web.forms import WaveForm

KIND_LABELS = {"floor": _l("Floor"), "room": _l("Room"), "zone": _l("Zone")}
_NAME = [DataRequired(message=_l("Give it a name.")), Length(max=120)]


def _timezone(_form, field):
    if field.data not in available_timezones():
        raise ValidationError(_l("Unknown time zone: use a name such as Europe/Berlin."))


class SiteForm(WaveForm):
    name = StringField(_l("Name"), validators=_NAME)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    timezone = StringField(
        _l("Time zone"), default="UTC", validators=[DataRequired(), Length(max=64), _timezone]
    )


class LocationForm(WaveForm):
    name = StringField(_l("Name"), validators=_NAME)
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in LOCATION_KINDS]
    )
    parent = SelectField(_l("Inside"), coerce=int, validate_choice=True)
    tag = BooleanField(_l("Give it a QR label"), default=True)


class AssetForm(WaveForm):
    name = StringField(_l("Name"), validators=_NAME)
    kind = StringField(
        _l("Sort of equipment"),
        description=_l("For example printer, coffee machine, AC unit, door."),
        validators=[Optional(), Length(max=40)],
    )
    location = SelectField(_l("Where it stands"), coerce=int, validate_choice=True)
    tag = BooleanField(_l("Give it a QR label"), default=True)


class OffersForm(WaveForm):
    categories = SelectMultipleField(
        _l("What tenants can report here"),
        coerce=int,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )


class LeaseForm(WaveForm):
    tenant = SelectField(
        _l("Rented by"),
        coerce=int,
        validate_choice=True,
        description=_l(
            "Requests from here, and from the rooms and equipment inside, get this "
            "organisation and its SLA class."
        ),
    )
