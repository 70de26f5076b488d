"""Forms for running consultations. The public contribution form is drawn by hand (its inputs are the
consultation's own questions, named as SPEC fixes) and checked by `services.submit_contribution`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateTimeLocalField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coalition.consultations.models import (
    CHOICE_MAX, CHOICES_MAX, CONSULTATION_KINDS, DESCRIPTION_MAX, PROMPT_MAX, QUESTION_KINDS, SLUG_MAX, TITLE_MAX)

DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# One choice a line: the lines of both languages go together.
CHOICES_TEXT_MAX = CHOICES_MAX * (CHOICE_MAX + 2)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsultationForm(FlaskForm):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=SLUG_MAX)])
    title_es = StringField(_l("Title in Spanish"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description_es = TextAreaField(_l("Description in Spanish"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                   render_kw={"rows": 6})
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                   render_kw={"rows": 6})
    kind = SelectField(_l("What it asks for"), choices=list(CONSULTATION_KINDS.items()), default="questions")
    group_ids = CheckboxesField(_l("Working groups concerned"), coerce=int, choices=[], validate_choice=False)
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_LOCAL_FORMATS,
                                  validators=[InputRequired(message=_l("Give the date and time it opens."))])
    closes_at = DateTimeLocalField(_l("Closes at"), format=DATETIME_LOCAL_FORMATS,
                                   validators=[InputRequired(message=_l("Give the date and time it closes."))])
    version = HiddenField()


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of answer"), choices=list(QUESTION_KINDS.items()), default="text")
    prompt_es = TextAreaField(_l("Question in Spanish"), validators=[DataRequired(), Length(max=PROMPT_MAX)],
                              render_kw={"rows": 2})
    prompt_en = TextAreaField(_l("Question in English"), validators=[DataRequired(), Length(max=PROMPT_MAX)],
                              render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"))
    choices_es = TextAreaField(_l("Choices in Spanish, one a line"), validators=[Optional(),
                               Length(max=CHOICES_TEXT_MAX)], render_kw={"rows": 4})
    choices_en = TextAreaField(_l("Choices in English, one a line, in the same order"),
                               validators=[Optional(), Length(max=CHOICES_TEXT_MAX)], render_kw={"rows": 4})

    def choice_pairs(self) -> list[tuple[str, str]]:
        es = [line.strip() for line in (self.choices_es.data or "").splitlines()]
        en = [line.strip() for line in (self.choices_en.data or "").splitlines()]
        while es and not es[-1]:
            es.pop()
        while en and not en[-1]:
            en.pop()
        length = max(len(es), len(en))
        es += [""] * (length - len(es))
        en += [""] * (length - len(en))
        return list(zip(es, en))


class RecommendationsForm(FlaskForm):
    recommendation_ids = CheckboxesField(_l("Draft recommendations up for comment"), coerce=int, choices=[],
                                         validate_choice=False)


class PhaseForm(FlaskForm):
    phase = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that does one thing: move or delete a question."""


class ResultsForm(FlaskForm):
    """Whether the consultation's results are on the public portal (coordinators, once it has closed)."""

    results_published = BooleanField(_l("Results published on the public portal"))
    version = HiddenField()
