"""Each rule is written once: limits and enumerations next to the model, shared checks in one place."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from marshmallow import validate as mm_validate
from wtforms.validators import Length

from coalition.api.deliverables import DeliverableCreateSchema, DeliverablePatchSchema, MilestoneCreateSchema
from coalition.api.institutions import InstitutionCreateSchema, InstitutionPatchSchema
from coalition.api.invitations import InvitationCreateSchema
from coalition.api.me import MePatchSchema
from coalition.api.meetings import MeetingCreateSchema, MeetingPatchSchema
from coalition.api.tokens import TokenRequestSchema
from coalition.auth.models import ApiToken, Invitation, User
from coalition.deliverables.models import Deliverable, Milestone
from coalition.institutions.models import Institution
from coalition.meetings.models import Meeting

PACKAGE = Path(__file__).resolve().parents[1] / "coalition"
# `max=200`, `Length(max=5_000)`, `_text(300, …)`: a limit spelled out where it should be named.
LITERAL_LIMIT = re.compile(r"\bmax\s*=\s*[0-9]|\btext\(\s*[0-9]|\bLength\(\s*[0-9]")


def _sources(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in PACKAGE.glob(pattern))


@pytest.mark.parametrize("path", _sources("*/forms.py", "api/*.py"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_forms_and_api_schemas_name_their_limits_instead_of_spelling_them_out(path):
    literal = [f"{path.name}:{number}: {line.strip()}" for number, line in
               enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if LITERAL_LIMIT.search(line)]
    assert not literal, "declare the limit next to the model and use its name:\n" + "\n".join(literal)


def _definitions(name: str) -> list[str]:
    pattern = re.compile(rf"^\s*def {name}\(", re.M)
    return [str(path.relative_to(PACKAGE)) for path in _sources("**/*.py")
            if pattern.search(path.read_text(encoding="utf-8"))]


def test_the_text_check_is_defined_once():
    assert _definitions("_?check_text") == ["validation.py"]


def test_the_id_range_is_written_once():
    spelled = [str(path.relative_to(PACKAGE)) for path in _sources("**/*.py")
               if "migrations" not in path.parts and re.search(r"2\s*\*\*\s*31", path.read_text(encoding="utf-8"))]
    assert spelled == ["database.py"]


def _length_of(field) -> int | None:
    """The maximum length a form field or a marshmallow field enforces, if any."""
    validators = getattr(field, "validators", None) or []
    for validator in validators:
        if isinstance(validator, (Length, mm_validate.Length)) and validator.max is not None:
            return validator.max
    return None


@pytest.mark.parametrize("schema,model", [
    (InstitutionCreateSchema, Institution), (InstitutionPatchSchema, Institution),
    (DeliverableCreateSchema, Deliverable), (DeliverablePatchSchema, Deliverable),
    (MilestoneCreateSchema, Milestone), (MeetingCreateSchema, Meeting), (MeetingPatchSchema, Meeting),
    (InvitationCreateSchema, Invitation), (MePatchSchema, User), (TokenRequestSchema, ApiToken),
])
def test_api_schemas_allow_exactly_what_the_columns_hold(schema, model):
    columns = model.__table__.c
    checked = 0
    for name, field in schema().fields.items():
        column = columns.get(name)
        if column is None or not isinstance(column.type, sa.String) or column.type.length is None:
            continue
        choices = next((v.choices for v in field.validators if isinstance(v, mm_validate.OneOf)), None)
        if choices is not None:  # an enumeration: every value fits the column
            assert max(len(c) for c in choices) <= column.type.length, (schema.__name__, name)
        else:
            assert _length_of(field) == column.type.length, (schema.__name__, name)
        checked += 1
    assert checked


def test_forms_allow_exactly_what_the_columns_hold(app):
    from coalition.auth.forms import AcceptInvitationForm, InvitationForm, SettingsForm
    from coalition.deliverables.forms import DeliverableForm, MilestoneForm
    from coalition.institutions.forms import InstitutionForm
    from coalition.meetings.forms import MeetingForm

    with app.test_request_context():
        for form_class, model in [(InstitutionForm, Institution), (DeliverableForm, Deliverable),
                                  (MilestoneForm, Milestone), (MeetingForm, Meeting), (InvitationForm, Invitation),
                                  (AcceptInvitationForm, User), (SettingsForm, User)]:
            form = form_class(meta={"csrf": False})
            checked = 0
            for field in form:
                column = model.__table__.c.get(field.name)
                if column is None or not isinstance(column.type, sa.String) or column.type.length is None:
                    continue
                if _length_of(field) is None:
                    continue  # a choice, not typed text
                assert _length_of(field) == column.type.length, (form_class.__name__, field.name)
                checked += 1
            assert checked, form_class.__name__
