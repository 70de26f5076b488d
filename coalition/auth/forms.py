"""Forms for logging in, settings, passwords, people and invitations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from coalition.auth.models import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN

WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
            (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday"))]
LANGUAGE_CHOICES = [("es", "Español"), ("en", "English")]
FREQUENCY_CHOICES = [("off", _l("Off")), ("daily", _l("Daily")), ("weekly", _l("Weekly"))]
ROLE_CHOICES = [("member", _l("Member")), ("coordinator", _l("Coordinator")), ("admin", _l("Administrator"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=EMAIL_MAX)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Timezone"), choices=[])
    digest_frequency = SelectField(_l("Progress digest by email"), choices=FREQUENCY_CHOICES)
    digest_weekday = SelectField(_l("Weekday for the weekly digest"), choices=WEEKDAYS, coerce=int)
    digest_hour = SelectField(_l("Hour of the digest"), coerce=int,
                              choices=[(h, f"{h:02d}:00") for h in range(24)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class UserForm(FlaskForm):
    role = SelectField(_l("Coalition role"), choices=ROLE_CHOICES)
    institution_id = SelectField(_l("Institution"), coerce=int, choices=[])
    active = BooleanField(_l("Active"))


class InvitationForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=EMAIL_MAX)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    role = SelectField(_l("Coalition role"), choices=ROLE_CHOICES)
    institution_id = SelectField(_l("Institution"), coerce=int, choices=[])
    group_id = SelectField(_l("Working group"), coerce=int, choices=[])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class RevokeTokenForm(FlaskForm):
    """Only a CSRF token: confirms revoking an API token."""


class ConfirmForm(FlaskForm):
    """Only a CSRF token: confirms ending sessions."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=EMAIL_MAX)],
                       render_kw={"autocomplete": "username"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
