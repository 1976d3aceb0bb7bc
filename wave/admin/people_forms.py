"""Forms for people and teams in the registry."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from wave.requests.forms import choices
from wave.requests.labels import ROLE
from wave.web.forms import WaveForm


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: big targets on a phone, no Ctrl-click."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(WaveForm):
    display_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=120)],
    )
    role = SelectField(_l("Role"), choices=choices(ROLE.items()), default="staff")
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Regexp(r"^[0-9+()\-.\s]{5,40}$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
    )
    teams = CheckboxesField(_l("Teams"), coerce=int)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams.choices = choices((t.id, t.name) for t in teams)


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Choose a username.")),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$",
                message=_l("2 to 64 letters, digits, dots, dashes or underscores."),
            ),
        ],
        description=_l("What they sign in with. It cannot be changed later."),
    )


class TeamForm(WaveForm):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=80)],
    )


class MemberForm(WaveForm):
    user = SelectField(
        _l("Add a person"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose someone to add."))],
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = choices(
            [(0, _l("Choose…"))] + [(u.id, u.display_name) for u in candidates]
        )
