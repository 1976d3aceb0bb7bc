"""Forms of the chat pages. Every one carries the CSRF token (htmx sends it as a header)."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from wave.files.images import (
    PhotoError,
    keep_pending_photo,
    pending_attachment,
    pending_token,
    read_photo,
    uploaded_files,
)
from wave.files.models import Attachment
from wave.messenger.services import MAX_BODY, MAX_PHOTOS, REACTIONS
from wave.web.forms import WaveForm


class PeopleField(SelectMultipleField):
    """Colleagues as tick boxes (choices: (user id, name))."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComposeForm(WaveForm):
    body = TextAreaField(
        _l("Message"),
        validators=[
            Length(max=MAX_BODY, message=_l("Please keep it under 4000 characters.")),
        ],
    )
    client_id = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_.:-]{1,64}$")])
    """Made by the page for each message: a resend of it finds the stored message."""
    reply_to = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    photo = MultipleFileField(_l("Photos"))
    photo_tokens = HiddenField()
    """Photos received with an earlier post of this form that came back with an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.client_id.data:
            self.client_id.data = uuid.uuid4().hex

    def receive_photos(self, user_id: int) -> list[Attachment]:
        """The photos kept from an earlier post and the ones chosen now, stored at once so
        they survive the form coming back. A bad photo sets the field's error; the good
        ones are kept."""
        kept = [pending_attachment(t) for t in (self.photo_tokens.data or "").split()]
        photos = [a for a in kept if a is not None and a.uploaded_by_id == user_id]
        for upload in uploaded_files(self.photo.data):
            try:
                photos.append(keep_pending_photo(read_photo(upload), user_id))
            except PhotoError as exc:
                self.photo.errors = [*self.photo.errors, str(exc)]
        if len(photos) > MAX_PHOTOS:
            self.photo.errors = [
                *self.photo.errors,
                _l("At most %(n)s photos in one message.", n=MAX_PHOTOS),
            ]
            photos = photos[:MAX_PHOTOS]
        self.photo_tokens.data = " ".join(pending_token(a) for a in photos)
        return photos


class EditForm(WaveForm):
    body = TextAreaField(
        _l("Message"),
        validators=[Length(max=MAX_BODY, message=_l("Please keep it under 4000 characters."))],
    )


class ReactForm(WaveForm):
    emoji = StringField(validators=[DataRequired(), Regexp("^(" + "|".join(REACTIONS) + ")$")])


class ReadForm(WaveForm):
    message_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])


class MuteForm(WaveForm):
    muted = HiddenField(validators=[Regexp("^[01]$")])


class GroupForm(WaveForm):
    title = StringField(
        _l("Group name"),
        validators=[
            DataRequired(message=_l("Give the group a name.")),
            Length(max=160, message=_l("Please keep the name under 160 characters.")),
        ],
    )
    people = PeopleField(
        _l("Who is in it?"),
        coerce=int,
        validators=[DataRequired(message=_l("Pick at least one colleague."))],
    )


class AddPeopleForm(WaveForm):
    people = PeopleField(
        _l("Add people"),
        coerce=int,
        validators=[DataRequired(message=_l("Pick at least one colleague."))],
    )
