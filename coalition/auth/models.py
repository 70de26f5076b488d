"""People: accounts, roles and their preferences."""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, coalition_timezone_name, utcnow
from coalition.extensions import db

ROLES = ("admin", "coordinator", "member")
LANGUAGES = ("es", "en")
DIGEST_FREQUENCIES = ("off", "daily", "weekly")
# Field limits, declared once: the columns, the forms, the API schemas and the services read them here.
EMAIL_MAX = 254  # RFC 5321's limit for a forward path
NAME_MAX = 200
TIMEZONE_MAX = 64
PASSWORD_MIN, PASSWORD_MAX = 8, 256
TOKEN_NAME_MAX = 100
WEEKDAY_MAX = 6  # Monday is 0
HOUR_MAX = 23


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'member')", name="role"),
        sa.CheckConstraint("language IN ('es', 'en')", name="language"),
        sa.CheckConstraint("digest_frequency IN ('off', 'daily', 'weekly')", name="digest_frequency"),
        sa.CheckConstraint(f"digest_weekday BETWEEN 0 AND {WEEKDAY_MAX}", name="digest_weekday"),
        sa.CheckConstraint(f"digest_hour BETWEEN 0 AND {HOUR_MAX}", name="digest_hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    language: Mapped[str] = mapped_column(sa.String(2), default="es")
    timezone: Mapped[str] = mapped_column(sa.String(TIMEZONE_MAX), default=lambda: coalition_timezone_name())
    digest_frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    digest_weekday: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    digest_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=8)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # A stamp of the person's credentials: replaced on every password change (or deactivation), it
    # spends the password-reset links made before. Sessions are `user_sessions` rows.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    institution = relationship("Institution", lazy="joined", innerjoin=False)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        """Flask-Login's id: the key of the server session this request runs under (see sessions.py)."""
        current = self.__dict__.get("_server_session")
        return current.key if current is not None else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_coordinator(self) -> bool:
        """Coordinators and admins see and run the whole coalition."""
        return self.role in ("admin", "coordinator")

    def group_roles(self) -> dict[int, str]:
        """Map each of this person's group ids to their role there (one query, cached)."""
        cached = self.__dict__.get("_group_roles")
        if cached is None:
            from coalition.groups.models import GroupMembership

            rows = db.session.execute(
                sa.select(GroupMembership.group_id, GroupMembership.role)
                .where(GroupMembership.user_id == self.id)
            ).all()
            cached = {group_id: role for group_id, role in rows}
            self.__dict__["_group_roles"] = cached
        return cached

    def forget_group_roles(self) -> None:
        self.__dict__.pop("_group_roles", None)

    def liaison_states(self) -> frozenset[str]:
        """The state chapters this person is a liaison of (one query, cached)."""
        cached = self.__dict__.get("_liaison_states")
        if cached is None:
            from coalition.states.models import StateLiaison

            cached = frozenset(db.session.execute(
                sa.select(StateLiaison.state).where(StateLiaison.user_id == self.id)).scalars())
            self.__dict__["_liaison_states"] = cached
        return cached

    def forget_liaison_states(self) -> None:
        self.__dict__.pop("_liaison_states", None)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Invitation(db.Model):
    """A single-use, expiring invitation for a new person to join the coalition."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    institution = relationship("Institution")
    group = relationship("WorkingGroup")
    invited_by = relationship("User", foreign_keys=[invited_by_id])


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(TOKEN_NAME_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


SESSION_END_REASONS = ("logout", "ended", "others_ended", "password_change", "password_reset", "deactivated",
                       "admin", "expired", "rotated")


class UserSession(db.Model):
    """A login the server remembers, so that it can end it; the cookie carries only its random key."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('logout', 'ended', 'others_ended', 'password_change', "
            "'password_reset', 'deactivated', 'admin', 'expired', 'rotated')", name="end_reason"),
        sa.Index("ix_user_sessions_user_open", "user_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the key in the cookie: a copy of this table opens no session.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    browser: Mapped[str] = mapped_column(sa.String(40), default="")
    platform: Mapped[str] = mapped_column(sa.String(40), default="")
    # The address's network (IPv4 /24, IPv6 /48), never the full address.
    network: Mapped[str] = mapped_column(sa.String(64), default="")
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Idle sessions: last seen + SESSION_IDLE_HOURS; remembered ones: created + REMEMBER_DAYS.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))

    user = relationship("User")

    @property
    def is_open(self) -> bool:
        return self.ended_at is None and self.expires_at > utcnow()
