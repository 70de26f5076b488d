"""Member institutions of the coalition."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import UTCDateTime, coalition_today, utcnow
from coalition.extensions import db

# Field limits, declared once: the columns, the form, the API schemas and the services read them here.
NAME_MAX = 200
ACRONYM_MAX = 30
COUNTRY_MAX = 80
WEBSITE_MAX = 300
DESCRIPTION_MAX = 20_000

SECTORS = {
    "industry": _l("Industry"),
    "civil_society": _l("Civil society"),
    "academia": _l("Academia"),
    "government": _l("Government"),
    "international": _l("International cooperation"),
}

# Mexico's 32 federal entities by their ISO 3166-2:MX code, plus institutions abroad.
STATES = {
    "AGU": "Aguascalientes", "BCN": "Baja California", "BCS": "Baja California Sur",
    "CAM": "Campeche", "CHP": "Chiapas", "CHH": "Chihuahua", "CMX": "Ciudad de México",
    "COA": "Coahuila", "COL": "Colima", "DUR": "Durango", "GUA": "Guanajuato",
    "GRO": "Guerrero", "HID": "Hidalgo", "JAL": "Jalisco", "MEX": "Estado de México",
    "MIC": "Michoacán", "MOR": "Morelos", "NAY": "Nayarit", "NLE": "Nuevo León",
    "OAX": "Oaxaca", "PUE": "Puebla", "QUE": "Querétaro", "ROO": "Quintana Roo",
    "SLP": "San Luis Potosí", "SIN": "Sinaloa", "SON": "Sonora", "TAB": "Tabasco",
    "TAM": "Tamaulipas", "TLA": "Tlaxcala", "VER": "Veracruz", "YUC": "Yucatán",
    "ZAC": "Zacatecas",
}
ABROAD = "abroad"


def state_label(code: str | None) -> str:
    if code == ABROAD:
        return str(_l("Abroad"))
    return STATES.get(code or "", code or "")


class Institution(db.Model):
    __tablename__ = "institutions"
    __table_args__ = (
        sa.CheckConstraint(
            "sector IN ('industry', 'civil_society', 'academia', 'government', 'international')",
            name="sector"),
        sa.Index("ix_institutions_sector_state", "sector", "state"),
        sa.Index("ix_institutions_listed_sector_state", "listed", "sector", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    acronym: Mapped[str | None] = mapped_column(sa.String(ACRONYM_MAX))
    sector: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(10), index=True)
    country: Mapped[str | None] = mapped_column(sa.String(COUNTRY_MAX))
    website: Mapped[str | None] = mapped_column(sa.String(WEBSITE_MAX))
    joined_on: Mapped[date] = mapped_column(sa.Date, default=coalition_today)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Named on the public portal only once one of its own people or a coordinator agrees (who did
    # is in the audit log: a column pointing at users would make the two tables depend on each other).
    listed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def sector_label(self) -> str:
        return str(SECTORS.get(self.sector, self.sector))

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def short_name(self) -> str:
        return self.acronym or self.name

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.short_name}>"
