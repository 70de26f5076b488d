"""The institution form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, URL

from coalition.institutions.models import (
    ABROAD, ACRONYM_MAX, COUNTRY_MAX, DESCRIPTION_MAX, NAME_MAX, SECTORS, STATES, WEBSITE_MAX)


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=ACRONYM_MAX)])
    sector = SelectField(_l("Sector"), choices=[])
    state = SelectField(_l("State"), choices=[])
    country = StringField(_l("Country (when abroad)"), validators=[Optional(), Length(max=COUNTRY_MAX)])
    website = URLField(_l("Website"), validators=[Optional(), URL(message=_l("Give a full web address.")),
                                                  Length(max=WEBSITE_MAX)])
    joined_on = DateField(_l("Joined the coalition on"), validators=[DataRequired()])
    active = BooleanField(_l("Active member"), default=True)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                render_kw={"rows": 5})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = [(k, str(v)) for k, v in SECTORS.items()]
        self.state.choices = [(k, v) for k, v in sorted(STATES.items(), key=lambda kv: kv[1])] + \
            [(ABROAD, str(_l("Abroad")))]


class ListingForm(FlaskForm):
    """Whether the institution is named on the public portal."""

    listed = BooleanField(_l("Listed on the public portal"))
