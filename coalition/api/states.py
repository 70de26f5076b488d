"""State chapters: what the coalition has in each federal entity and abroad, as counts (SPEC "States and
policy uptake"), through the same services as the pages (`coalition.states.services`)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import PageArgsSchema, api_actor, documents_errors, page_of
from coalition.api.groups import page_in_memory
from coalition.consultations.models import MIN_CELL
from coalition.states import services
from coalition.states.models import CHAPTERS

blp = Blueprint("api_states", __name__, url_prefix="/api/v1/states",
                description="State chapters: the 32 federal entities and Mexicans abroad, with what the coalition "
                            "has in each (member institutions, people, contributions, instruments, engagements).")

CODE_HELP = ("ISO 3166-2:MX code without the `MX-` prefix (`JAL`, `CMX`…; any case), or `abroad`. "
             "Another code is a 404.")


class StateSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(list(CHAPTERS)), metadata={"example": "JAL"})
    name = fields.String(required=True, metadata={"example": "Jalisco"})
    institutions = fields.Integer(required=True, metadata={"description": "Active member institutions there.",
                                                           "example": 12})
    people = fields.Integer(required=True, metadata={"description": "Active people of those institutions.",
                                                     "example": 48})
    contributions = fields.Integer(required=True, allow_none=True, metadata={
        "description": f"Visible contributions to the consultations from there; null when there are fewer than "
                       f"{MIN_CELL} (too few to show without pointing at people).", "example": 85})
    instruments = fields.Integer(required=True, metadata={
        "description": "Its instruments (its own and its municipalities').", "example": 3})
    engagements = fields.Integer(required=True, metadata={"example": 4})


class StateListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE


def state_body(counts) -> dict:
    return {"code": counts.code, "name": counts.name, "institutions": counts.institutions, "people": counts.people,
            "contributions": counts.contributions, "instruments": counts.instruments,
            "engagements": counts.engagements}


@blp.route("")
class States(MethodView):
    @blp.arguments(StateListArgsSchema, location="query")
    @blp.response(200, page_of(StateSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """Every state chapter with its counts, by name, `abroad` last (33 in all; ask `per_page=100` for
        them all at once)."""
        chapters = [state_body(c) for c in services.all_counts(api_actor())]
        return page_in_memory(chapters, args["page"], args["per_page"])


@blp.route("/<code>", parameters=[{"in": "path", "name": "code", "description": CODE_HELP,
                                   "schema": {"type": "string", "enum": list(CHAPTERS)}, "example": "JAL"}])
class StateByCode(MethodView):
    @blp.response(200, StateSchema)
    @documents_errors(blp, 401, 404)
    def get(self, code):
        """One state chapter with its counts."""
        return state_body(services.counts_for(api_actor(), code))
