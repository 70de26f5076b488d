"""State chapters: the people a coordinator names to record a state's instruments and engagements."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES, state_label  # noqa: F401 (the one list of entities)

# A chapter for each federal entity and one for Mexicans abroad, in this order on every page.
CHAPTERS = (*sorted(STATES, key=lambda code: STATES[code]), ABROAD)
CODE_MAX = 10


def chapter_code(value) -> str | None:
    """The chapter a URL or API argument names (ISO 3166-2:MX code without the prefix, any case, or
    `abroad`), or None."""
    if not isinstance(value, str) or len(value) > CODE_MAX:
        return None
    code = value.strip()
    if code.casefold() == ABROAD:
        return ABROAD
    code = code.upper().removeprefix("MX-")
    return code if code in STATES else None


class StateLiaison(db.Model):
    """A person who may record the instruments and engagements of one state (SPEC "States and policy uptake")."""

    __tablename__ = "state_liaisons"
    __table_args__ = (sa.UniqueConstraint("state", "user_id", name="uq_state_liaisons_state_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(CODE_MAX))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    appointed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def state_label(self) -> str:
        return state_label(self.state)
