"""Forms for group membership and lead institutions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired

from coalition.web import int_arg


class AddMemberForm(FlaskForm):
    # An empty first option is the placeholder (HTML requires one on a required select); int_arg makes it None.
    user_id = SelectField(_l("Person"), coerce=int_arg, validators=[DataRequired(message=_l("Choose a person."))])
    role = SelectField(_l("Role in the group"), choices=[("member", _l("Member")), ("lead", _l("Lead"))])


class RemoveMemberForm(FlaskForm):
    """Only a CSRF token."""


class LeadInstitutionsForm(FlaskForm):
    institution_ids = SelectMultipleField(_l("Lead institutions"), coerce=int, render_kw={"size": 8})
