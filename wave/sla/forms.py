"""Forms for the SLA pages. They only read what was typed; wave.sla.admin decides what is
allowed, so its messages are the same whichever page a change comes from."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional

from wave.admin.catalog_forms import SLA_CLASS
from wave.requests.forms import choices
from wave.requests.labels import PRIORITY
from wave.web.forms import WaveForm

RULE_KIND = {
    "not_taken": (
        _l("Nobody took it"),
        _l("Still not taken after the minutes set: the request’s team and the managers are told."),
    ),
    "response_breached": (
        _l("First response overdue"),
        _l("The first-response time passed and nobody answered: the managers are told."),
    ),
    "resolution_breached": (
        _l("Resolution overdue"),
        _l("The resolution time passed and the work is not done: the managers are told."),
    ),
    "due_soon": (
        _l("Due soon"),
        _l("The resolution time is this many minutes away: whoever does the work is reminded."),
    ),
}
"""Each rule kind's name and what it does, in plain words."""


ANY_CATEGORY = _l("Any category")


def category_choices(items, also=None, first=ANY_CATEGORY) -> list[SelectChoice]:
    """`first` (value 0; None: none), then the catalogue's items under their groups; `also`
    is a row's own category, still offered when it was archived since."""
    options = [SelectChoice(0, first)] if first is not None else []
    options += [SelectChoice(c.id, c.name, optgroup=c.group) for c in items]
    if also is not None and all(o.value != also.id for o in options):
        group = also.parent.name if also.parent else ""
        options.append(SelectChoice(also.id, also.name, optgroup=group))
    return options


def _minutes(label, description=None):
    return IntegerField(label, validators=[Optional()], description=description)


class PolicyForm(WaveForm):
    category = SelectField(_l("Category"), coerce=int, default=0)
    priority = SelectField(
        _l("Priority"), choices=choices([("", _l("Any priority")), *PRIORITY.items()]), default=""
    )
    sla_class = SelectField(
        _l("Tenant's SLA class"),
        choices=choices([("", _l("Any class")), *SLA_CLASS.items()]),
        default="",
    )
    response_minutes = _minutes(_l("First response within, minutes"))
    resolution_minutes = _minutes(
        _l("Resolved within, minutes"),
        _l("60 = 1 h, 480 = 8 h, 1440 = 1 d. Counted in the site's working hours."),
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = categories

    def policy_fields(self, category_of) -> dict:
        """The service's keyword arguments; `category_of(id)` finds the chosen category."""
        return {
            "category": category_of(self.category.data),
            "priority": self.priority.data or None,
            "sla_class": self.sla_class.data or None,
            "response_minutes": self.response_minutes.data,
            "resolution_minutes": self.resolution_minutes.data,
        }


class CheckForm(WaveForm):
    """'What applies?': a request's category, priority and class. Read from the query string."""

    class Meta(WaveForm.Meta):
        csrf = False

    category = SelectField(_l("Category"), coerce=int)
    priority = SelectField(_l("Priority"), choices=choices(PRIORITY.items()), default="normal")
    sla_class = SelectField(
        _l("Tenant's SLA class"), choices=choices(SLA_CLASS.items()), default="B"
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = categories


class HoursForm(WaveForm):
    mode = RadioField(
        _l("When the site works"),
        choices=choices(
            [("always", _l("Around the clock (24/7)")), ("hours", _l("Working hours"))]
        ),
        default="always",
    )
    hours = StringField(
        _l("Working hours"),
        description=_l(
            "Days, then times; several parts with ';'. E.g. Mon-Fri 08:00-18:00; Sat 09:00-13:00"
        ),
    )

    def hours_text(self) -> str | None:
        """The typed hours, or None for 24/7."""
        return None if self.mode.data == "always" else (self.hours.data or "")


class HolidayForm(WaveForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Choose a date."))])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])


class RuleForm(WaveForm):
    kind = RadioField(
        _l("When"),
        choices=choices((kind, name) for kind, (name, _what) in RULE_KIND.items()),
        validators=[InputRequired(message=_l("Choose when the rule fires."))],
    )
    team = SelectField(_l("Team"), coerce=int, default=0)
    category = SelectField(_l("Category"), coerce=int, default=0)
    minutes = _minutes(
        _l("Minutes"), _l("For 'nobody took it' and 'due soon'; late answers need none.")
    )
    always = BooleanField(_l("Also at night and on holidays"))
    active = BooleanField(lazy_pgettext("escalation rule", "Active"), default=True)

    def __init__(self, *args, teams, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = choices([(0, _l("Any team")), *((t.id, t.name) for t in teams)])
        self.category.choices = categories

    def rule_fields(self, team_of, category_of) -> dict:
        """The service's keyword arguments; `team_of(id)` and `category_of(id)` find them."""
        return {
            "kind": self.kind.data,
            "team": team_of(self.team.data),
            "category": category_of(self.category.data),
            "minutes": self.minutes.data,
            "always": self.always.data,
            "active": self.active.data,
        }


class AutocloseForm(WaveForm):
    days = IntegerField(
        _l("Close finished work after, days"),
        validators=[InputRequired(message=_l("Enter a number of days."))],
        description=_l(
            "Work marked done that the requester neither confirms nor reopens closes by itself."
        ),
    )
