"""Forms for drafting recommendations and for what coordinators and leads do to them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from coalition.recommendations.models import ANSWER_MAX, AREAS, HORIZONS, RECOMMENDATION_STATES, TEXT_MAX, TITLE_MAX

# Contribution ids typed by hand: "12, 15 40" (a few thousand at most).
IDS_TEXT_MAX = 60_000


class RecommendationForm(FlaskForm):
    group = SelectField(_l("Working group"), choices=[], validate_choice=False)
    area = SelectField(_l("Area"), choices=list(AREAS.items()))
    horizon = SelectField(_l("Horizon"), choices=list(HORIZONS.items()))
    title_es = StringField(_l("Title in Spanish"), validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=TITLE_MAX)])
    text_es = TextAreaField(_l("Text in Spanish"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 8})
    text_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 8})
    themes = SelectMultipleField(_l("Themes it stands on"), coerce=int, choices=[], validate_choice=False)
    contributions = TextAreaField(_l("Contributions it stands on (ids)"),
                                  validators=[Optional(), Length(max=IDS_TEXT_MAX)], render_kw={"rows": 2})
    version = HiddenField()


class DecisionForm(FlaskForm):
    state = SelectField(_l("Status"), choices=[(k, v) for k, v in RECOMMENDATION_STATES.items() if k != "merged"])
    answer_es = TextAreaField(_l("Public answer in Spanish"), validators=[Optional(), Length(max=ANSWER_MAX)],
                              render_kw={"rows": 4})
    answer_en = TextAreaField(_l("Public answer in English"), validators=[Optional(), Length(max=ANSWER_MAX)],
                              render_kw={"rows": 4})
    published = BooleanField(_l("Published"))
    version = HiddenField()


class LeadStateForm(FlaskForm):
    state = SelectField(_l("Status"), choices=[("draft", RECOMMENDATION_STATES["draft"]),
                                              ("in_consultation", RECOMMENDATION_STATES["in_consultation"])])
    version = HiddenField()


class SourcesForm(FlaskForm):
    themes = SelectMultipleField(_l("Themes it stands on"), coerce=int, choices=[], validate_choice=False,
                                 id="sources-themes")
    contributions = TextAreaField(_l("Contributions it stands on (ids)"), id="sources-contributions",
                                  validators=[Optional(), Length(max=IDS_TEXT_MAX)], render_kw={"rows": 2})


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), coerce=int, choices=[], validate_choice=False,
                       validators=[InputRequired()])
    answer_es = TextAreaField(_l("Public answer in Spanish"), id="merge-answer-es",
                              validators=[Optional(), Length(max=ANSWER_MAX)], render_kw={"rows": 3})
    answer_en = TextAreaField(_l("Public answer in English"), id="merge-answer-en",
                              validators=[Optional(), Length(max=ANSWER_MAX)], render_kw={"rows": 3})


class SplitForm(FlaskForm):
    titles = TextAreaField(_l("New recommendations, one title per line"),
                           validators=[InputRequired(), Length(max=TITLE_MAX * 20)], render_kw={"rows": 4})


class DeliverableLinkForm(FlaskForm):
    deliverable_id = SelectField(_l("Deliverable"), coerce=int, choices=[], validate_choice=False,
                                 validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A button that does one thing (unlink a deliverable)."""


