"""The six working groups, their lead institutions and their members."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, coalition_today, utcnow
from coalition.extensions import db

MEMBERSHIP_ROLES = ("lead", "member")
# Field limits, declared once (the API's schemas read them here).
SLUG_MAX = 40
LEAD_INSTITUTIONS_MAX = 200

# The fixed groups: slug, English name, Spanish name. Migrations seed them.
GROUPS = (
    ("ethics", "AI Ethics", "Ética de la IA"),
    ("governance", "Governance, Government and Public Services", "Gobernanza, Gobierno y Servicios Públicos"),
    ("research", "Research and Development", "Investigación y Desarrollo"),
    ("skills", "Skills, Capacities and Education", "Habilidades, Capacidades y Educación"),
    ("data", "Data, Digital Infrastructure and Cyber Security",
     "Datos, Infraestructura Digital y Ciberseguridad"),
    ("abroad", "Mexicans Abroad", "Mexicanos en el Exterior"),
)

GROUP_SLUGS = tuple(slug for slug, _en, _es in GROUPS)

group_lead_institutions = sa.Table(
    "group_lead_institutions",
    db.metadata,
    sa.Column("group_id", sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("institution_id", sa.ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class WorkingGroup(db.Model):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_es: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_es: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead_institutions = relationship(
        "Institution", secondary=group_lead_institutions, order_by="Institution.name")

    def name_in(self, language: str) -> str:
        return self.name_es if language == "es" else self.name_en

    def description_in(self, language: str) -> str:
        return self.description_es if language == "es" else self.description_en

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"


class GroupMembership(db.Model):
    __tablename__ = "group_memberships"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "user_id"),
        sa.CheckConstraint("role IN ('lead', 'member')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default="member")
    since: Mapped[date] = mapped_column(sa.Date, default=coalition_today)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group = relationship("WorkingGroup")
    user = relationship("User")
