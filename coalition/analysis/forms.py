"""Forms of the analysis pages: themes, coding a contribution, hiding one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coalition.consultations.models import HIDE_REASON_MAX, THEME_DESCRIPTION_MAX, THEME_NAME_MAX


class ThemeForm(FlaskForm):
    name_es = StringField(_l("Name in Spanish"), validators=[DataRequired(), Length(max=THEME_NAME_MAX)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=THEME_NAME_MAX)])
    description_es = TextAreaField(_l("Description in Spanish"),
                                   validators=[Optional(), Length(max=THEME_DESCRIPTION_MAX)], render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Optional(), Length(max=THEME_DESCRIPTION_MAX)], render_kw={"rows": 3})


class CodingForm(FlaskForm):
    """The themes come as checkboxes named `themes` (the page draws them from the consultation's themes)."""


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Why it is hidden"), validators=[DataRequired(), Length(max=HIDE_REASON_MAX)],
                           render_kw={"rows": 2})


class UnhideForm(FlaskForm):
    """One button: show the contribution again."""
