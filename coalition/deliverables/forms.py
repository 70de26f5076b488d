"""Forms for progress updates, deliverables and milestones."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from coalition.deliverables.models import (
    COMPLETION_NOTE_MAX, COMPLETIONS, PUBLIC_SUMMARY_MAX, DESCRIPTION_MAX, NOTE_MAX, PROGRESS_MAX, PROGRESS_MIN, STATUSES, TITLE_MAX, WEIGHT_MAX, WEIGHT_MIN)
from coalition.web import int_arg


class UpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])
    progress = IntegerField(_l("Progress (%)"), validators=[
        InputRequired(message=_l("Give the progress from 0 to 100.")),
        NumberRange(min=PROGRESS_MIN, max=PROGRESS_MAX, message=_l("Progress must be a whole number from 0 to 100."))],
        render_kw={"min": PROGRESS_MIN, "max": PROGRESS_MAX, "step": 1, "inputmode": "numeric"})
    note = TextAreaField(_l("What changed?"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3})
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(k, str(v)) for k, v in STATUSES.items()]

    def version_number(self) -> int | None:
        return int_arg(self.version.data)


class DeliverableForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                render_kw={"rows": 6})
    # An empty first option is the placeholder (HTML requires one on a required select); int_arg makes it None.
    owner_id = SelectField(_l("Owner"), coerce=int_arg, validators=[DataRequired(message=_l("Choose an owner."))])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=_l("Give a due date."))])
    institution_ids = SelectMultipleField(_l("Contributing institutions"), coerce=int, validators=[Optional()],
                                          render_kw={"size": 8})
    version = HiddenField()

    def validate_due_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The due date must come after the start date."))


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    weight = IntegerField(_l("Weight"), validators=[Optional(), NumberRange(min=WEIGHT_MIN, max=WEIGHT_MAX)],
                          render_kw={"min": WEIGHT_MIN, "max": WEIGHT_MAX})
    progress = IntegerField(_l("Progress (%)"), default=0,
                            validators=[InputRequired(), NumberRange(min=PROGRESS_MIN, max=PROGRESS_MAX)],
                            render_kw={"min": PROGRESS_MIN, "max": PROGRESS_MAX})
    due_date = DateField(_l("Due date"), validators=[Optional()])


class DeleteForm(FlaskForm):
    """Only a CSRF token: confirms a destructive POST."""


class PortalForm(FlaskForm):
    """What the public portal shows of a deliverable (coordinators)."""

    public = BooleanField(_l("Show on the public portal"))
    public_summary_es = TextAreaField(_l("Public summary in Spanish"), validators=[
        Optional(), Length(max=PUBLIC_SUMMARY_MAX)], render_kw={"rows": 3})
    public_summary_en = TextAreaField(_l("Public summary in English"), validators=[
        Optional(), Length(max=PUBLIC_SUMMARY_MAX)], render_kw={"rows": 3})
    # Empty: the completion derived from status and progress.
    completion_override = SelectField(_l("Completion on the portal"), choices=[], validate_choice=False)
    completion_note = TextAreaField(_l("Why it differs from the derived completion"), validators=[
        Optional(), Length(max=COMPLETION_NOTE_MAX)], render_kw={"rows": 2})
    version = HiddenField()

    def __init__(self, *args, derived_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.completion_override.choices = [("", str(_l("As derived: %(level)s", level=derived_label)))] + [
            (key, str(label)) for key, label in COMPLETIONS.items()]

    def version_number(self) -> int | None:
        return int_arg(self.version.data)
