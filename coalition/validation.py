"""The checks every domain's services share on what a person sends: ids and text fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coalition.database import MAX_ID


# The longest text a search box sends (a title, a name: a few words).
QUERY_MAX = 100


def is_id(value) -> bool:
    """Whether `value` can be a row's id: a whole number (not a boolean) from 1 to MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def check_text(value, field: str, max_length: int, errors: dict, required: bool = False) -> None:
    """Note in `errors[field]` why `value` is not text of at most `max_length` characters (or is blank
    when `required`); None is fine unless required."""
    if not isinstance(value, str):
        if required or value is not None:
            errors[field] = [_l("This field is required.") if value is None else _l("Must be text.")]
        return
    if required and not value.strip():
        errors[field] = [_l("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [_l("At most %(n)s characters.", n=max_length)]
