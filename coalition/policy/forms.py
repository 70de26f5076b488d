"""Forms for recording policy instruments, their stages and uptakes, and the coalition's engagements."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coalition.database import coalition_today
from coalition.institutions.models import ABROAD, STATES, state_label
from coalition.policy.models import (
    BODY_MAX, BRANCHES, DEGREES, ENGAGEMENT_KINDS, FOLLOW_UP_MAX, JURISDICTIONS, KINDS, NOTE_MAX, PLACE_MAX,
    POSITION_MAX, QUOTE_MAX, STAGES, SUMMARY_MAX, TITLE_MAX, URL_MAX)
from coalition.web import int_arg


class DayField(DateField):
    """A date input that never re-shows unreadable text: `<input type=date>` may only hold a real date."""

    def _value(self) -> str:
        if self.raw_data and self.data is None:
            return ""
        return super()._value()


def optional_id(value) -> int | None:
    """A select's id: blank is none; anything else must be a row's id (WTForms shows the error)."""
    if value in (None, ""):
        return None
    number = int_arg(value)
    if number is None:
        raise ValueError(value)
    return number


def _labelled(mapping) -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in mapping.items()]


def states_by_name() -> list[tuple[str, str]]:
    return sorted(STATES.items(), key=lambda item: item[1])


def jurisdiction_choices(*, abroad: bool = False) -> list[tuple[str, str]]:
    """Federal, municipal and international first, then the 32 states by name (and abroad for engagements)."""
    choices = _labelled(JURISDICTIONS) + states_by_name()
    if abroad:
        choices.append((ABROAD, state_label(ABROAD)))
    return choices


def _municipal_state(form) -> str | None:
    """The state select counts only for a municipal record; a state's own record belongs to that state."""
    return (form.state.data or None) if form.jurisdiction.data == "municipal" else None


class InstrumentForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    jurisdiction = SelectField(_l("Jurisdiction"), choices=[])
    # Only for a municipal instrument: the state the municipality is in (its chapter).
    state = SelectField(_l("State of the municipality"), choices=[], validate_choice=False)
    place = StringField(_l("Municipality or international body"), validators=[Optional(), Length(max=PLACE_MAX)])
    branch = SelectField(_l("Branch of government"), choices=[])
    title_es = StringField(_l("Title in Spanish"), validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=TITLE_MAX)])
    summary_es = TextAreaField(_l("Summary in Spanish"), validators=[Optional(), Length(max=SUMMARY_MAX)],
                               render_kw={"rows": 5})
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=SUMMARY_MAX)],
                               render_kw={"rows": 5})
    source_url = StringField(_l("Source (web address)"), validators=[Optional(), Length(max=URL_MAX)],
                             render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"})
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _labelled(KINDS)
        self.jurisdiction.choices = jurisdiction_choices()
        self.state.choices = [("", "—")] + states_by_name()
        self.branch.choices = _labelled(BRANCHES)

    def values(self) -> dict:
        return {"kind": self.kind.data, "jurisdiction": self.jurisdiction.data, "state": _municipal_state(self),
                "place": self.place.data or "", "branch": self.branch.data, "title_es": self.title_es.data or "",
                "title_en": self.title_en.data or "", "summary_es": self.summary_es.data or "",
                "summary_en": self.summary_en.data or "", "source_url": self.source_url.data or ""}


class StageForm(FlaskForm):
    stage = SelectField(_l("Stage"), choices=[])
    on = DayField(_l("Date"), validators=[InputRequired(message=_l("Give the date of this stage."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = _labelled(STAGES)
        # The browser refuses a future date too; the service is the rule.
        self.on.render_kw = {"max": coalition_today().isoformat()}


class UptakeForm(FlaskForm):
    # The service says whether the number names a recommendation; the select only helps to pick one.
    recommendation_id = SelectField(_l("Recommendation"), coerce=optional_id, choices=[], validate_choice=False,
                                    validators=[DataRequired(message=_l("Choose a recommendation."))])
    degree = SelectField(_l("Degree"), choices=[])
    evidence_url = StringField(_l("Evidence (web address)"), validators=[Optional(), Length(max=URL_MAX)],
                               render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"})
    quote = TextAreaField(_l("Quote"), validators=[Optional(), Length(max=QUOTE_MAX)], render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.degree.choices = _labelled(DEGREES)


class EngagementForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    held_on = DayField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    jurisdiction = SelectField(_l("Jurisdiction"), choices=[])
    state = SelectField(_l("State of the municipality"), choices=[], validate_choice=False)
    place = StringField(_l("Place"), validators=[Optional(), Length(max=PLACE_MAX)])
    body = StringField(_l("Body engaged"), validators=[DataRequired(), Length(max=BODY_MAX)])
    instrument_id = SelectField(_l("Instrument it concerns"), coerce=optional_id, choices=[], validate_choice=False)
    institution_ids = SelectMultipleField(_l("Member institutions that represented the coalition"), coerce=int,
                                          choices=[], render_kw={"size": 10})
    position = TextAreaField(_l("The coalition's position"), validators=[Optional(), Length(max=POSITION_MAX)],
                             render_kw={"rows": 8})
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _labelled(ENGAGEMENT_KINDS)
        self.jurisdiction.choices = jurisdiction_choices(abroad=True)
        self.state.choices = [("", "—")] + states_by_name()

    def values(self) -> dict:
        return {"kind": self.kind.data, "title": self.title.data or "", "held_on": self.held_on.data,
                "jurisdiction": self.jurisdiction.data, "state": _municipal_state(self),
                "place": self.place.data or "", "body": self.body.data or "", "instrument_id": self.instrument_id.data,
                "position": self.position.data or "", "institution_ids": list(self.institution_ids.data or [])}


class FollowUpForm(FlaskForm):
    text = TextAreaField(_l("What remains to do"), validators=[DataRequired(), Length(max=FOLLOW_UP_MAX)],
                         render_kw={"rows": 2})
    due_on = DayField(_l("Due"), validators=[Optional()])


class VersionForm(FlaskForm):
    """A confirmation that carries the version the person saw (approving a position)."""

    version = HiddenField()


class ToggleForm(FlaskForm):
    """A switch (publish, follow): `value` is 1 to turn it on, 0 to turn it off."""

    value = HiddenField()

    def choice(self) -> bool | None:
        return {"1": True, "0": False}.get(self.value.data or "")

