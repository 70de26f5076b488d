"""Page through a SELECT with two queries: one count, one page of rows."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coalition.extensions import db

MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def clamp(page: Any, per_page: Any, default_per_page: int = 25) -> tuple[int, int]:
    """Turn untrusted page/per_page values into sane integers."""
    try:
        page = int(page)
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = int(per_page)
    except (TypeError, ValueError):
        per_page = default_per_page
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, MAX_PER_PAGE))


def paginate(stmt: sa.Select, page: int, per_page: int, scalars: bool = True) -> Page:
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique().scalars() if scalars else result.all())
    return Page(items=items, page=page, per_page=per_page, total=total)
