"""Forms for scheduling meetings and for what happens at them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import Select

from coalition.meetings.models import DURATION_MAX, DURATION_MIN, ITEM_MAX, LOCATION_MAX, TEXT_MAX, TITLE_MAX
from coalition.meetings.rendered import ContentCache

# The browser's datetime-local value first, so the field renders what the input expects.
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

# Long pickers rendered once per distinct content (see coalition/meetings/rendered.py).
_pickers: ContentCache = ContentCache(64)


class KeptSelect(Select):
    """A select rendered once per distinct field name, attributes, choices and chosen value: a picker
    of hundreds of people costs a hash, not hundreds of escaped options, on every page."""

    def __call__(self, field, **kwargs):
        flags = tuple((name, getattr(field.flags, name)) for name in dir(field.flags)
                      if name in self.validation_attrs)
        parts = ("select", field.name, field.id, tuple(sorted((k, str(v)) for k, v in kwargs.items())), flags,
                 tuple((value, str(label)) for value, label, *_ in field.choices), field.data)
        return _pickers.get(parts, lambda: super(KeptSelect, self).__call__(field, **kwargs))


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    starts_at = DateTimeLocalField(
        _l("Starts at"), format=DATETIME_LOCAL_FORMATS,
        validators=[InputRequired(message=_l("Give the date and time the meeting starts."))])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=60,
        validators=[InputRequired(), NumberRange(min=DURATION_MIN, max=DURATION_MAX)],
        render_kw={"min": DURATION_MIN, "max": DURATION_MAX, "inputmode": "numeric"})
    location = StringField(_l("Place or online link"), validators=[Optional(), Length(max=LOCATION_MAX)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=TEXT_MAX)], render_kw={"rows": 8})
    # The version the person started from; a stale one is a conflict, not a silent overwrite.
    version = HiddenField()


class ActionForm(FlaskForm):
    """A button that does one thing to a meeting: cancel, mark held, publish minutes."""


class MinutesForm(FlaskForm):
    body = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                         render_kw={"rows": 14})


class DecisionForm(FlaskForm):
    text = TextAreaField(_l("Decision"), id="decision-text", validators=[DataRequired(), Length(max=ITEM_MAX)],
                         render_kw={"rows": 2})


class ActionItemForm(FlaskForm):
    text = TextAreaField(_l("Action item"), id="action-text", validators=[DataRequired(), Length(max=ITEM_MAX)],
                         render_kw={"rows": 2})
    assignee_id = SelectField(_l("Assigned to"), coerce=int, choices=[], validate_choice=False, widget=KeptSelect())
    due_date = DateField(_l("Due date"), validators=[Optional()])


class ActionItemToggleForm(FlaskForm):
    done = HiddenField(validators=[DataRequired()])


class InviteForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int, choices=[], validate_choice=False, widget=KeptSelect())
