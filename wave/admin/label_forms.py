"""Forms of the label pages: what to print, on which stock, and a printer's measured shift."""

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange

from wave.qr.printing import MAX_OFFSET_MM
from wave.web.forms import WaveForm

TEMPLATE_LABELS = {
    "a4-3x8": _l("A4, 3 × 8 labels of 70 × 37 mm"),
    "a4-2x4": _l("A4, 2 × 4 labels of 105 × 74 mm"),
    "a5-poster": _l("A5 poster, one per page"),
}
LANGUAGES = (SelectChoice("en", "English"), SelectChoice("ru", "Русский"))


class SelectionForm(WaveForm):
    """Which tags: read from the query string, so a selection is a link that can be shared."""

    class Meta(WaveForm.Meta):
        csrf = False  # a GET that changes nothing

    site = SelectField(_l("Site"), coerce=int, validate_choice=False)
    location = SelectField(_l("Floor, room or zone"), coerce=int, validate_choice=False)
    kind = SelectField(_l("Equipment"), validate_choice=False)
    template = RadioField(
        _l("Label stock"),
        choices=[SelectChoice(k, v) for k, v in TEMPLATE_LABELS.items()],
        default="a4-3x8",
    )
    language = SelectField(_l("Language of the instruction"), choices=LANGUAGES, default="en")


class PrintForm(WaveForm):
    """The print button: the codes ticked in the preview, the stock and the language."""

    codes = SelectMultipleField(
        validate_choice=False,
        validators=[InputRequired(message=_l("Tick at least one label to print."))],
    )
    template = SelectField(choices=[SelectChoice(k, v) for k, v in TEMPLATE_LABELS.items()])
    language = SelectField(choices=LANGUAGES)


class OffsetForm(WaveForm):
    _range = NumberRange(
        -MAX_OFFSET_MM,
        MAX_OFFSET_MM,
        message=_l("Between -%(max)s and %(max)s mm.", max=f"{MAX_OFFSET_MM:g}"),
    )
    dx = FloatField(_l("Right (mm)"), validators=[InputRequired(), _range])
    dy = FloatField(_l("Down (mm)"), validators=[InputRequired(), _range])
