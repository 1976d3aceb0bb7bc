"""The base of every form: Flask-WTF with WTForms' own messages translated, loaded once."""

import functools

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@functools.cache
def _wtforms_translations(locale: str) -> support.Translations:
    # Flask-WTF reads this catalog from disk for every request; it never changes.
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class WaveForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

    def show_refusal(self, refusal) -> None:
        """Shows why a change was refused (an exception whose `field` names a field, such as
        RegistryError) at that field, or above the form when it names none of its fields."""
        field = getattr(self, refusal.field or "", None)
        (field.errors if field is not None else self.form_errors).append(str(refusal))
