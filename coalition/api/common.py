"""What every API module shares: the bearer actor, pagination, the error schema, JSON-only bodies."""
from __future__ import annotations

import json

from flask import g, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, post_load, validate
from marshmallow import ValidationError as SchemaValidationError

from werkzeug.exceptions import BadRequest

from coalition.database import MAX_ID
from coalition.errors import NotAuthenticated
from coalition.pagination import MAX_PAGE, MAX_PER_PAGE, Page

# Any id in a body or a query: a whole number no database column refuses.
ID_RANGE = validate.Range(min=1, max=MAX_ID)


def plain_text(value: str) -> bool:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise SchemaValidationError(str(_l("Must not contain NUL characters.")))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SchemaValidationError(str(_l("Must be valid Unicode text."))) from None
    return True


def text(max_length: int, *, min_length: int | None = None, **kwargs) -> fields.String:
    """A text field of at most `max_length` characters (a limit declared next to the model) that any
    database can store."""
    return fields.String(validate=[validate.Length(min=min_length, max=max_length), plain_text], **kwargs)


def api_actor():
    """The person the request's bearer token belongs to; the API never reads cookies."""
    user = g.get("api_user")
    if user is None:
        raise NotAuthenticated()
    return user


def refuse_too_deep_json() -> None:
    """A body nested thousands of levels deep makes the JSON decoder recurse out: a 400, not a 500."""
    if request.method not in ("POST", "PATCH", "PUT") or not request.is_json:
        return
    try:
        json.loads(request.get_data(cache=True))
    except RecursionError:
        raise BadRequest(str(_l("The JSON body is nested too deeply."))) from None
    except ValueError:
        return  # malformed JSON: the body parser answers 400 itself


def api_actor_or_none():
    """The token's person on a public endpoint, or None for an anonymous caller."""
    return g.get("api_user")


class ErrorDetailSchema(Schema):
    status = fields.Integer(required=True, metadata={"example": 422})
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True, metadata={"example": "Some values are not valid."})
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"example": {"progress": ["Progress must be a whole number from 0 to 100."]}})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)
    current = fields.Dict(metadata={"description": "On a 409: the resource as it is now."})


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1),
                              metadata={"description": f"Items per page; at most {MAX_PER_PAGE} are returned."})

    @post_load
    def clamp(self, data, **kwargs):
        data["per_page"] = min(data["per_page"], MAX_PER_PAGE)
        return data


class PageSchema(Schema):
    page = fields.Integer(required=True, metadata={"example": 1})
    per_page = fields.Integer(required=True, metadata={"example": 25})
    total = fields.Integer(required=True, metadata={"example": 70})


_page_schemas: dict[str, type[Schema]] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A list response schema: {"items": [...], "page", "per_page", "total"}."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(name, (PageSchema,), {
            "items": fields.List(fields.Nested(item_schema), required=True)})
    return _page_schemas[name]


def page_body(page: Page) -> dict:
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


ERROR_DESCRIPTIONS = {
    400: "Malformed request (for example invalid JSON).",
    401: "Missing, expired or revoked bearer token.",
    403: "The token's owner may not do this.",
    404: "No such resource.",
    409: "The resource changed since the version you sent; `current` holds it now.",
    413: "The body is too large.",
    415: "The body must be application/json.",
    422: "Some values are not valid; `fields` names each one.",
    429: "Too many requests.",
}


def documents_errors(blp, *codes):
    """Declare the error responses an endpoint can give, all in SPEC's error shape."""
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, schema=ErrorSchema, description=ERROR_DESCRIPTIONS[code])(func)
        return func
    return decorator



IDEMPOTENCY_PARAMETER = "IdempotencyKey"
IDEMPOTENCY_HEADER_DESCRIPTION = (
    "Makes a retry safe. Send a fresh random value (a UUID) with each new "
    "request, and the same value with every retry of it. Within 24 hours, a retry with the same key and "
    "the same body gets the first answer again (with `Idempotent-Replayed: true`) and writes nothing; "
    "the same key with another body is a 422 (`idempotency_key_reused`); the same key while the first "
    "request is still running is a 409 (`idempotency_key_in_use`): retry a moment later. Only answers "
    "below 400 are remembered (an error wrote nothing, so its retry runs again). Keys belong to the "
    "token's owner. On `POST /api/v1/tokens` the header is accepted but not remembered: its answer is "
    "a secret that is never stored, and a second token is harmless."
)


def document_idempotency(spec) -> None:
    """Document the Idempotency-Key header, its 409 and 422 and the replay header on every POST."""
    spec.components.parameter(IDEMPOTENCY_PARAMETER, "header", {
        "name": "Idempotency-Key",
        "required": False,
        "description": IDEMPOTENCY_HEADER_DESCRIPTION,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
        "example": "5f0c7a62-4d6e-4b8f-9a57-0c1d2e3f4a5b",
    })
    spec.components.header("IdempotentReplayed", {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    })
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    extra = {
        "400": "An Idempotency-Key header that is not 1 to 255 visible ASCII characters.",
        "409": "A request with the same Idempotency-Key is still running.",
        "422": "The Idempotency-Key was already used with another body.",
    }
    for path, operations in spec._paths.items():  # apispec keeps the registered paths here
        post = operations.get("post")
        if post is None:
            continue
        parameters = post.setdefault("parameters", [])
        parameters.append({"$ref": f"#/components/parameters/{IDEMPOTENCY_PARAMETER}"})
        responses = post.setdefault("responses", {})
        for status, response in responses.items():
            if str(status).startswith("2") and "$ref" not in response:
                response.setdefault("headers", {})["Idempotent-Replayed"] = {
                    "$ref": "#/components/headers/IdempotentReplayed"}
        # The token exchange: the key is not remembered there. (On the other open POST, a contribution,
        # it is remembered when a token is sent.)
        anonymous = path.rstrip("/").endswith("/tokens")
        for status, text in extra.items():
            if anonymous and status != "400":
                continue
            if status in responses and "$ref" not in responses[status]:
                responses[status]["description"] = f"{responses[status]['description']} Or: {text[0].lower()}{text[1:]}"
            else:
                responses[status] = {"description": text, "content": error}
