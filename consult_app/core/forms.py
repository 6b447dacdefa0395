"""The base class of the application's forms."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from babel import support
from babel.messages.pofile import read_po
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path

from consult_app.core.guards import strip_control_characters


class _WTFormsMessages:
    """WTForms' own messages (e.g. "Not a valid integer value.") in the request's language.

    Flask-WTF reads and parses WTForms' catalogue again for every request that builds a
    form; here each language's catalogue is read once per process.
    """

    def __init__(self) -> None:
        self._catalogues: dict[str, support.NullTranslations] = {}
        self._messages: frozenset[str] | None = None

    def _is_message(self, string: str) -> bool:
        """Whether ``string`` is one of WTForms' messages: a field without a label asks for
        its name as a title ("Lock Version"), which no catalogue holds, and is answered
        without looking up the request's language (three such fields in a comment form)."""
        if self._messages is None:
            with open(os.path.join(messages_path(), "wtforms.pot"), "rb") as template:
                ids = [message.id for message in read_po(template) if message.id]
            self._messages = frozenset(i if isinstance(i, str) else i[0] for i in ids)
        return string in self._messages

    def _catalogue(self) -> support.NullTranslations | None:
        if not has_request_context():
            return None
        locale = get_locale()
        key = str(locale)
        catalogue = self._catalogues.get(key)
        if catalogue is None:
            catalogue = support.Translations.load(messages_path(), [locale], domain="wtforms")
            self._catalogues[key] = catalogue
        return catalogue

    def gettext(self, string: str) -> str:
        ours = _OUR_WORDING.get(string)
        if ours is not None:
            return str(ours)
        if not self._is_message(string):
            return string
        catalogue = self._catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


# WTForms' messages that read as a developer's (a select whose value is not one of its
# options): said as a sentence of ours, in the application's catalogue.
_OUR_WORDING = {
    "Invalid Choice: could not coerce.": _l(
        "This value is not one of the options. Choose one from the list."
    ),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l(
        "Some values are not among the options. Choose from the list."
    ),
}

_WTFORMS_MESSAGES = _WTFormsMessages()


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Options for a select, radio or checkbox field, from (value, label) pairs.

    WTForms takes its options as SelectChoice objects (tuples are deprecated, and the
    tests turn that warning into an error); a SelectChoice is not a pair: read
    `.value` and `.label`.
    """
    return [SelectChoice(value, label) for value, label in pairs]


class AppForm(FlaskForm):
    """The base of every form: Flask-WTF's, with WTForms' messages read once, and no
    control characters in what its fields receive."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: UnboundField, options: Any) -> Any:
            # Enclosing fields refuse filters: their own fields are filtered.
            if issubclass(unbound_field.field_class, FieldList | FormField):
                return super().bind_field(form, unbound_field, options)
            filters = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)

        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _WTFORMS_MESSAGES
