"""The digest settings form: how often, when, and which groups' news to leave out."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from coalition.auth.forms import FREQUENCY_CHOICES, WEEKDAYS
from coalition.auth.models import HOUR_MAX


class DigestSettingsForm(FlaskForm):
    digest_frequency = SelectField(_l("Progress digest by email"), choices=FREQUENCY_CHOICES)
    digest_weekday = SelectField(_l("Weekday for the weekly digest"), choices=WEEKDAYS, coerce=int)
    digest_hour = SelectField(_l("Hour of the digest"), coerce=int,
                              choices=[(h, f"{h:02d}:00") for h in range(HOUR_MAX + 1)])
    # Choices: the person's groups (set by the view).
    muted = SelectMultipleField(_l("Leave out the news of these groups"), coerce=int, choices=[],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
