"""The data version: one counter, bumped in the transaction of every change a dashboard reads."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import UTCDateTime
from coalition.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # When the value last grew: the public portal's Last-Modified.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
