"""Forms for requests. Field names are part of the public contract (see README)."""

import uuid

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, StopValidation

from wave.files.images import (
    PhotoError,
    keep_pending_photo,
    pending_attachment,
    pending_token,
    read_photo,
)
from wave.files.models import Attachment
from wave.requests.labels import PRIORITY
from wave.requests.places import place_by_value
from wave.web.forms import WaveForm

_EMAIL = Regexp(
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This does not look like an e-mail address.")
)
_PHONE = Regexp(r"^[0-9+()\-.\s]{5,40}$", message=_l("Use digits, spaces and + ( ) - only."))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class ContactMixin:
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), _PHONE])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254), _EMAIL])

    def contact(self) -> dict:
        return {
            "name": (self.name.data or "").strip(),
            "phone": (self.phone.data or "").strip(),
            "email": (self.email.data or "").strip(),
        }


class PlaceMixin:
    """The place of a request typed in by staff, found by name (requests/_place_picker.html).

    The picker's "Find" button posts the form to show the matches of `place_query` without
    JavaScript; a view tells that post by `FIND` in the form data and creates nothing."""

    FIND = "find_place"
    place = StringField(_l("Where?"), validators=[DataRequired(message=_l("Choose the place."))])
    place_query = StringField(_l("Find a place"))
    """What was typed to find it; kept with the form, never an error (a long one is cut)."""

    def validate_place(self, field):
        field.place = place_by_value(field.data)
        if field.place is None:
            raise StopValidation(_l("This place is not in use. Please choose another one."))

    def finding(self) -> bool:
        """The post is the "Find" button's: show the matches, validate and create nothing."""
        return self.FIND in request.form


class ReportForm(ContactMixin, WaveForm):
    """The tenant's form behind a QR code."""

    category = SelectField(
        _l("What is it about?"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose what the problem is about."))],
    )
    description = TextAreaField(
        _l("What is wrong?"),
        validators=[
            DataRequired(message=_l("Please describe the problem.")),
            Length(max=2000, message=_l("Please keep it under 2000 characters.")),
        ],
    )
    photo = FileField(_l("Photo (optional)"))
    photo_token = HiddenField()
    """Refers to a photo already received with an earlier, invalid post of this form."""
    submission_key = HiddenField()

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(c.id, c.name, optgroup=c.group) for c in categories
        ]
        self.category.validate_choice = True
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex

    def receive_photo(self, uploaded_by_id: int | None = None) -> list[Attachment]:
        """Store a newly chosen photo at once, or find the one kept from an earlier post, so it
        survives the form coming back for other fields. A bad photo sets the field's error."""
        upload = self.photo.data
        if upload and upload.filename:
            try:
                attachment = keep_pending_photo(read_photo(upload), uploaded_by_id)
            except PhotoError as exc:
                self.photo.errors = [str(exc)]
                self.photo_token.data = ""
                return []
            self.photo_token.data = pending_token(attachment)
            return [attachment]
        attachment = pending_attachment(self.photo_token.data or "")
        if attachment is None:
            self.photo_token.data = ""
        return [attachment] if attachment else []

    def validate_category(self, field):
        if field.data == 0:
            raise StopValidation(_l("Choose what the problem is about."))


class DeskForm(PlaceMixin, ReportForm):
    """A request typed in by the desk for a caller."""

    priority = SelectField(_l("Priority"), choices=choices(PRIORITY.items()), default="normal")
    name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=120)])
    language = SelectField(_l("Caller's language (for e-mails)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = current_app.config["WAVE_LANGUAGES"]
        self.language.choices = choices(languages.items())
        if self.language.data is None:  # a new form: the desk's own language
            desk = str(get_locale() or "en")
            self.language.data = desk if desk in languages else "en"


class HoldForm(WaveForm):
    reason = StringField(_l("Why does it wait?"), validators=[Length(max=255)])
    resume_at = StringField(_l("Resume at (optional)"))


class DoneForm(WaveForm):
    labor = IntegerField(_l("Labor time, minutes"), validators=[Optional(), NumberRange(0, 1440)])
    photo = MultipleFileField(_l("Photo of the result"))


class CancelForm(WaveForm):
    reason = StringField(_l("Why is it cancelled?"), validators=[Length(max=255)])


class AssignForm(WaveForm):
    assignee = SelectField(_l("Assign to"), coerce=int)


class ReplyForm(WaveForm):
    text = TextAreaField(_l("Reply to the requester"), validators=[Length(max=2000)])


class ClassifyForm(WaveForm):
    category = SelectField(_l("Category"), coerce=int)
    priority = SelectField(_l("Priority"), choices=choices(PRIORITY.items()))
    sla_class = SelectField(_l("Service class"), choices=choices((c, c) for c in "ABC"))


class MessageForm(WaveForm):
    body = TextAreaField(_l("Message"), validators=[Length(max=4000)])
    client_id = HiddenField()


class PhotoForm(WaveForm):
    photo = MultipleFileField(_l("Photos"))


class DocumentForm(WaveForm):
    document = MultipleFileField(_l("Documents (PDF)"))


class ReopenForm(WaveForm):
    comment = TextAreaField(_l("What is still wrong?"), validators=[Length(max=2000)])


class RateForm(WaveForm):
    rating = RadioField(
        _l("How did we do?"),
        coerce=int,
        choices=choices((i, str(i)) for i in range(5, 0, -1)),
        validators=[DataRequired(message=_l("Choose from 1 to 5 stars."))],
    )
    feedback = TextAreaField(_l("Anything to add? (optional)"), validators=[Length(max=2000)])


class ActionForm(WaveForm):
    """A bare button: nothing but the CSRF token."""
