"""Forms for the catalogue: category groups and items, tenant organisations."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wave.requests.catalog_admin import MAX_SLA_MINUTES
from wave.requests.forms import choices
from wave.requests.labels import PRIORITY
from wave.web.forms import WaveForm

SLA_CLASS = {
    "A": _l("A — answers fastest"),
    "B": _l("B — standard"),
    "C": _l("C — basic"),
}


def _team_choices(teams):
    return choices([(0, _l("No team"))] + [(t.id, t.name) for t in teams])


def _minutes(label):
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(1, MAX_SLA_MINUTES, message=_l("Use whole minutes, more than 0.")),
        ],
        description=_l("Minutes; empty for no target."),
    )


class GroupForm(WaveForm):
    name = StringField(
        _l("Group name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)]
    )
    default_team = SelectField(
        _l("Default team"),
        coerce=int,
        description=_l("New items in this group start with this team."),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_team.choices = _team_choices(teams)


class ItemForm(WaveForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)]
    )
    group = SelectField(_l("Group"), coerce=int)
    default_team = SelectField(
        _l("Default team"), coerce=int, description=_l("New requests of this kind go to it.")
    )
    default_priority = SelectField(
        _l("Default priority"), choices=choices(PRIORITY.items()), default="normal"
    )
    requires_photo = BooleanField(_l("Completion needs a photo of the result"))
    response_minutes = _minutes(_l("First response within"))
    resolution_minutes = _minutes(_l("Resolved within"))

    def __init__(self, *args, groups, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = choices((g.id, g.name) for g in groups)
        self.default_team.choices = _team_choices(teams)

    def item_fields(self, team_of) -> dict:
        """The service's keyword arguments; `team_of(id)` finds the chosen team."""
        return {
            "name": self.name.data,
            "default_team": team_of(self.default_team.data),
            "default_priority": self.default_priority.data,
            "requires_photo": self.requires_photo.data,
            "response_minutes": self.response_minutes.data,
            "resolution_minutes": self.resolution_minutes.data,
        }


class TenantForm(WaveForm):
    name = StringField(
        _l("Organisation"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=160)],
    )
    sla_class = RadioField(_l("SLA class"), choices=choices(SLA_CLASS.items()), default="B")
