"""Forms for group membership and lead institutions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired


class AddMemberForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired(message=_l("Choose a person."))])
    role = SelectField(_l("Role in the group"), choices=[("member", _l("Member")), ("lead", _l("Lead"))])


class RemoveMemberForm(FlaskForm):
    """Only a CSRF token."""


class LeadInstitutionsForm(FlaskForm):
    institution_ids = SelectMultipleField(_l("Lead institutions"), coerce=int, render_kw={"size": 8})
