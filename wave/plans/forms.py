"""The plan form: what to do, where, and how often."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from wave.plans.recurrence import MAX_EVERY
from wave.requests.forms import PlaceMixin, choices
from wave.requests.labels import PRIORITY
from wave.sla.forms import category_choices
from wave.web.forms import WaveForm

UNIT = {"day": _l("days"), "week": _l("weeks"), "month": _l("months")}
WHOLE_NUMBER = _l("Use a whole number from 1 to %(most)d.", most=MAX_EVERY)


class PlanForm(PlaceMixin, WaveForm):
    title = StringField(
        _l("What is to be done"),
        validators=[DataRequired(message=_l("Give the plan a name.")), Length(max=160)],
        description=_l("Shown as the request's first line, e.g. Change the air filters."),
    )
    description = TextAreaField(_l("Instructions (optional)"), validators=[Length(max=2000)])
    category = SelectField(
        _l("Category"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a category."))],
    )
    priority = SelectField(_l("Priority"), choices=choices(PRIORITY.items()), default="normal")
    assignee = SelectField(_l("Assign to"), coerce=int, default=0)
    every = IntegerField(
        _l("Every"),
        default=1,
        validators=[
            InputRequired(message=WHOLE_NUMBER),
            NumberRange(1, MAX_EVERY, message=WHOLE_NUMBER),
        ],
    )
    unit = SelectField(_l("Unit"), choices=choices(UNIT.items()), default="month")
    starts_on = DateField(_l("First on"), validators=[InputRequired(message=_l("Choose a date."))])
    at = TimeField(
        _l("At (local time)"),
        validators=[InputRequired(message=_l("Choose a time, e.g. 08:00."))],
    )

    def __init__(self, items, people, *args, also=None, **kwargs):
        """`items`: the catalogue's items; `people`: (id, name) of who may be given the work."""
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(items, also, first=_l("Choose…"))
        self.assignee.choices = [SelectChoice(0, _l("Anyone in the team")), *choices(people)]
