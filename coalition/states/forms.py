"""Forms of a state chapter's page: following it, and naming or removing its liaisons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField
from wtforms.validators import AnyOf, Length, Optional

from coalition.auth.models import EMAIL_MAX
from coalition.web import int_arg


class FollowForm(FlaskForm):
    """Follow the state (`1`) or stop following it (`0`)."""

    following = HiddenField(validators=[AnyOf(("0", "1"))])


class LiaisonForm(FlaskForm):
    """Name a liaison: a person chosen from the list, or found by e-mail address."""

    # An empty first option is the placeholder; int_arg turns it (or anything not an id) into None.
    user_id = SelectField(_l("Person"), coerce=int_arg, validate_choice=False)
    email = EmailField(_l("Or their e-mail address"), validators=[Optional(), Length(max=EMAIL_MAX)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.user_id.data is None) == (not (self.email.data or "").strip()):
            self.user_id.errors = list(self.user_id.errors) + [
                _l("Choose a person from the list, or give an e-mail address: one of the two.")]
            return False
        return True


class RemoveLiaisonForm(FlaskForm):
    """Only a CSRF token."""
