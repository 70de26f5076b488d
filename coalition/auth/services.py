"""Accounts: passwords, login, settings, people management and invitations."""
from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from coalition.audit import services as audit
from coalition.auth import permissions, sessions
from coalition.auth.models import (
    DIGEST_FREQUENCIES, EMAIL_MAX, HOUR_MAX, LANGUAGES, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, ROLES, TOKEN_NAME_MAX,
    WEEKDAY_MAX, ApiToken, Invitation, User, new_session_token)
from coalition.auth.permissions import require, require_actor
from coalition.database import DuplicateKey, contains_pattern, unique_key, utcnow
from coalition.errors import NotAuthenticated, NotFound, ValidationError
from coalition.extensions import db
from coalition.i18n import is_valid_timezone
from coalition.institutions.models import Institution
from coalition.pagination import Page, paginate
from coalition.validation import is_id

_HASHERS: dict[tuple[int, int], PasswordHasher] = {}
_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def _hasher() -> PasswordHasher:
    """Argon2id (memory-hard) with the configured cost; tests use a smaller one to stay fast."""
    key = (current_app.config.get("ARGON2_TIME_COST", 3), current_app.config.get("ARGON2_MEMORY_KIB", 65536))
    if key not in _HASHERS:
        _HASHERS[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1])
        # Verified against when no account matches, so a missing email costs the same time.
        _DUMMY_HASHES[key] = _HASHERS[key].hash("not-a-real-password")
    return _HASHERS[key]


def _dummy_hash() -> str:
    _hasher()
    return _DUMMY_HASHES[(current_app.config.get("ARGON2_TIME_COST", 3),
                          current_app.config.get("ARGON2_MEMORY_KIB", 65536))]

INVITATION_DAYS = 7
EMAIL_TAKEN = _l("Someone already uses this email address.")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(value) -> str:
    """Return the address lower-cased and checked, or raise ValidationError on `email`."""
    if not isinstance(value, str) or len(value) > EMAIL_MAX:
        raise ValidationError(fields={"email": [_l("Enter a valid email address.")]})
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(fields={"email": [_l("Enter a valid email address.")]}) from None
    return result.normalized.lower()


def check_password_policy(password, personal: tuple[str, ...] = ()) -> None:
    """ASVS 2.1: at least 8 characters, long passphrases welcome (up to 256), any characters, and
    not a common or easily guessed one: not in zxcvbn's list of 30,000 common passwords nor in the
    Spanish list shipped with the app, not built from the person's own name or address, and
    estimated by zxcvbn at more than a million guesses."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise ValidationError(fields={"password": [_l("Use at least %(n)s characters.", n=PASSWORD_MIN)]})
    if len(password) > PASSWORD_MAX:
        raise ValidationError(fields={"password": [_l("Use at most %(n)s characters.", n=PASSWORD_MAX)]})
    if _is_common(password) or _too_guessable(password, personal):
        raise ValidationError(fields={"password": [_l(
            "That password is too common or too easy to guess. A few unrelated words make a strong one.")]})


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        path = Path(__file__).with_name("common_passwords_es.txt")
        spanish = {line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                   if line.strip() and not line.startswith("#")}
        _COMMON = frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(spanish)
    return _COMMON


_COMMON: frozenset[str] | None = None


def _is_common(password: str) -> bool:
    lowered = password.strip().lower()
    # "Contraseña2024!" is "contraseña" with decoration.
    core = lowered.rstrip("0123456789!@#$%^&*.?_-+= ").lstrip("0123456789!@#$%^&*.?_-+= ")
    common = _common_passwords()
    return lowered in common or core in common


def _too_guessable(password: str, personal: tuple[str, ...]) -> bool:
    lowered = password.lower()
    words = {"coalition", "coalicion", "ia2030"}
    for value in personal:
        if not value:
            continue
        value = value.lower()
        local = value.split("@", 1)[0]
        if len(local) >= 4 and lowered.startswith(local) and len(lowered) - len(local) <= 4:
            return True  # the address itself, perhaps with a few characters added
        words.update({value, local, *(w for w in re.split(r"[^\w]+", value) if len(w) >= 3)})
    if len(password) > 64:  # zxcvbn is slow on very long input, and such a passphrase is not weak
        return False
    from zxcvbn import zxcvbn

    return zxcvbn(password, user_inputs=sorted(words))["guesses_log10"] < 6


def authenticate(email, password, channel: str = "web") -> User | None:
    """Return the active person with these credentials, or None; same work either way.

    Both outcomes go to the audit log (a failure names the account by a hash of the address, so
    the log does not become a list of guessed addresses); the caller commits either way.
    """
    try:
        email = normalise_email(email)
    except ValidationError:
        verify_password(None, "x")
        return None
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password if isinstance(password, str) else "")
    if not ok or user is None or not user.active:
        audit.record(None, "auth.login_failed", "account", {
            "account": hashlib.sha256(email.encode()).hexdigest()[:32], "channel": channel,
            "known": user is not None})
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record(user, "auth.login", user, {"channel": channel})
    return user


def confirm_password(actor, password) -> bool:
    """Whether `password` is the acting person's own (re-authentication); a miss is audited."""
    require_actor(actor)
    ok = verify_password(actor.password_hash, password if isinstance(password, str) else "")
    audit.record(actor, "auth.reauthenticated" if ok else "auth.reauth_failed", actor)
    return ok


def change_password(actor, current_password: str, new_password: str) -> User:
    """Set a new password; every other session of the person ends."""
    require_actor(actor)
    if not verify_password(actor.password_hash, current_password or ""):
        raise ValidationError(fields={"current_password": [_l("Your current password is not right.")]})
    return _set_password(actor, new_password, "user.password_change")


def _set_password(user: User, new_password, action: str) -> User:
    """Store a new password and end every session and API token the person had (the page that
    changed it opens a new session for the device it was typed on)."""
    check_password_policy(new_password, (user.email, user.name))
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    _revoke_all_tokens(user)
    audit.record(user, action, user)
    sessions.end_all(user, user, action.removeprefix("user."))  # password_change, password_reset
    db.session.flush()
    return user


def update_settings(actor, **values) -> User:
    """Change the person's own name, language, timezone and digest settings."""
    require_actor(actor)
    allowed = {"name", "language", "timezone", "digest_frequency", "digest_weekday", "digest_hour"}
    errors: dict = {}
    for key in set(values) - allowed:
        errors[key] = [_l("Unknown field.")]
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip():
            errors["name"] = [_l("This field is required.")]
        elif len(name) > NAME_MAX:
            errors["name"] = [_l("At most %(n)s characters.", n=NAME_MAX)]
    if "language" in values and values["language"] not in LANGUAGES:
        errors["language"] = [_l("Choose Spanish or English.")]
    if "timezone" in values and not (isinstance(values["timezone"], str) and is_valid_timezone(values["timezone"])):
        errors["timezone"] = [_l("Choose a timezone from the list.")]
    if "digest_frequency" in values and values["digest_frequency"] not in DIGEST_FREQUENCIES:
        errors["digest_frequency"] = [_l("Choose off, daily or weekly.")]
    for key, top in (("digest_weekday", WEEKDAY_MAX), ("digest_hour", HOUR_MAX)):
        value = values.get(key, 0)
        if key in values and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top):
            errors[key] = [_l("Choose a value from 0 to %(n)s.", n=top)]
    if errors:
        raise ValidationError(fields=errors)
    if "name" in values:
        values["name"] = values["name"].strip()
    audit.diff(actor, values)
    db.session.flush()
    return actor


def _institution_or_error(institution_id) -> Institution | None:
    if institution_id is None:
        return None
    institution = db.session.get(Institution, institution_id) if is_id(institution_id) else None
    if institution is None:
        raise ValidationError(fields={"institution_id": [_l("Unknown institution.")]})
    return institution


def create_user(actor, *, email: str, name: str, role: str = "member", institution_id: int | None = None,
                password: str | None = None, language: str = "es") -> User:
    """Create an account (admins only; `actor=None` is the command line)."""
    if actor is not None:
        require_actor(actor)
        require(permissions.can_manage_users(actor))
    email = normalise_email(email)
    errors: dict = {}
    if role not in ROLES:
        errors["role"] = [_l("Choose admin, coordinator or member.")]
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        errors["name"] = [_l("Give a name of at most %(n)s characters.", n=NAME_MAX)]
    if language not in LANGUAGES:
        errors["language"] = [_l("Choose Spanish or English.")]
    if errors:
        raise ValidationError(fields=errors)
    if password is not None:
        check_password_policy(password, (email, name if isinstance(name, str) else ""))
    institution = _institution_or_error(institution_id)
    if db.session.execute(sa.select(User.id).where(User.email == email)).first():
        raise ValidationError(fields={"email": [EMAIL_TAKEN]})
    user = User(email=email, name=name.strip(), role=role, institution_id=institution.id if institution else None,
                language=language, password_hash=hash_password(password) if password else None)
    _insert_person(user)
    audit.record(actor, "user.create", user, {"email": email, "role": role})
    return user


def _insert_person(user: User) -> None:
    """Insert a new account; an address taken at the same moment by another request is a 422 on `email`."""
    try:
        with unique_key(User.email):
            db.session.add(user)
    except DuplicateKey:
        raise ValidationError(fields={"email": [EMAIL_TAKEN]}) from None


def list_users(actor, q: str | None, role: str | None, page: int, per_page: int) -> Page:
    require_actor(actor)
    require(permissions.can_manage_users(actor))
    stmt = sa.select(User).options(joinedload(User.institution)).order_by(User.name, User.id)
    if q:
        like = contains_pattern(q)
        stmt = stmt.where(User.name.ilike(like, escape="\\") | User.email.ilike(like, escape="\\"))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    return paginate(stmt, page, per_page)


def get_user(actor, user_id: int) -> User:
    require_actor(actor)
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        raise NotFound()
    return user


def manage_user(actor, user_id: int, *, role: str, active: bool, institution_id: int | None) -> User:
    """Change a person's coalition role, active flag or institution (admins only)."""
    require_actor(actor)
    require(permissions.can_manage_users(actor))
    user = get_user(actor, user_id)
    if role not in ROLES:
        raise ValidationError(fields={"role": [_l("Choose admin, coordinator or member.")]})
    if user.id == actor.id and (role != "admin" or not active):
        raise ValidationError(fields={"role": [_l("You cannot remove your own administrator access.")]})
    _institution_or_error(institution_id)
    changes = audit.diff(user, {"role": role, "active": active, "institution_id": institution_id})
    if "active" in changes and not active:
        # A deactivated person's sessions end at once (their tokens stop at the active check too).
        user.session_token = new_session_token()
        _revoke_all_tokens(user)
        sessions.end_all(actor, user, "deactivated")
    if changes:
        audit.record(actor, "user.manage", user, changes)
    db.session.flush()
    return user


# --- invitations -----------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(actor, *, email: str, name: str, role: str = "member", institution_id: int | None = None,
           group=None) -> tuple[Invitation, str]:
    """Create an invitation and return it with its one-time token (only its hash is stored)."""
    require_actor(actor)
    require(permissions.can_invite(actor))
    if group is not None and not actor.is_coordinator:
        from coalition.groups.permissions import can_manage_memberships
        require(can_manage_memberships(actor, group.id))
    if group is None and not actor.is_coordinator:
        raise ValidationError(fields={"group": [_l("Choose the group you lead.")]})
    if role != "member" and not permissions.can_manage_users(actor):
        raise ValidationError(fields={"role": [_l("Only administrators can invite coordinators.")]})
    email = normalise_email(email)
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise ValidationError(fields={"name": [_l("Give a name of at most %(n)s characters.", n=NAME_MAX)]})
    if role not in ROLES:
        raise ValidationError(fields={"role": [_l("Choose admin, coordinator or member.")]})
    _institution_or_error(institution_id)
    if db.session.execute(sa.select(User.id).where(User.email == email)).first():
        raise ValidationError(fields={"email": [EMAIL_TAKEN]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email=email, name=name.strip(), role=role, institution_id=institution_id,
                            group_id=group.id if group is not None else None, token_hash=_token_hash(token),
                            invited_by_id=actor.id, expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "invitation.create", invitation, {"email": email, "role": role})
    _send_invitation(invitation, token, actor)
    return invitation, token


def _send_invitation(invitation: Invitation, token: str, inviter: User) -> None:
    """Write the invitation email to the outbox, in the inviter's language (the invitee has none yet)."""
    from coalition.notifications import services as outbox

    outbox.enqueue(**_invitation_message(invitation, invitation.id, token, inviter))


def _invitation_message(invitation, invitation_id: int, token: str, inviter, recipient_id: int | None = None) -> dict:
    """The join-invitation email for one invitation, as an outbox row's values."""
    from coalition.notifications import services as outbox

    link = f"{current_app.config['BASE_URL'].rstrip('/')}/invitations/{token}"
    subject, text, html = outbox.render(
        "join-invitation", inviter.language, invitation=invitation, inviter=inviter, link=link,
        days=INVITATION_DAYS)
    message = dict(kind="join-invitation", recipient=invitation.email, subject=subject, text_body=text,
                   html_body=html, dedupe_key=f"join-invitation:{invitation_id}")
    if recipient_id is not None:
        message["recipient_id"] = recipient_id
    return message


def find_invitation(token: str, *, for_update: bool = False) -> Invitation:
    """Return the open invitation for this token, or raise NotFound (used, expired or unknown)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound()
    stmt = sa.select(Invitation).where(Invitation.token_hash == _token_hash(token))
    if for_update:
        # Read again once the lock is ours: the request may hold an older copy of the row.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    invitation = db.session.execute(stmt).scalar_one_or_none()
    if invitation is None:
        raise NotFound()
    if invitation.accepted_at is not None:
        raise NotFound(_l("This invitation has already been accepted. Log in with its email address and the "
                          "password chosen then."))
    if invitation.expires_at < utcnow():
        raise NotFound(_l("This invitation has expired. Ask whoever invited you for a new one."))
    return invitation


def accept_invitation(token: str, *, name: str, password: str) -> User:
    """Turn an invitation into an account; the token works once."""
    from coalition.groups.models import GroupMembership

    # Locked: the same link submitted twice at once makes one account, and the second is told it is used.
    invitation = find_invitation(token, for_update=True)
    check_password_policy(password, (invitation.email, name if isinstance(name, str) else ""))
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise ValidationError(fields={"name": [_l("Give a name of at most %(n)s characters.", n=NAME_MAX)]})
    user = db.session.execute(sa.select(User).where(User.email == invitation.email)).scalar_one_or_none()
    if user is not None and (user.password_hash is not None or not user.active):
        raise ValidationError(fields={"email": [EMAIL_TAKEN]})
    if user is None:
        user = User(email=invitation.email, name=name.strip(), role=invitation.role,
                    institution_id=invitation.institution_id, password_hash=hash_password(password))
        _insert_person(user)
    else:
        # An account made for them by an import, never used: the invitation sets its name and password.
        user.name = name.strip()
        user.password_hash = hash_password(password)
    db.session.flush()
    if invitation.group_id:
        db.session.add(GroupMembership(group_id=invitation.group_id, user_id=user.id, role="member"))
    invitation.accepted_at = utcnow()
    invitation.accepted_user_id = user.id
    audit.record(user, "invitation.accept", invitation, {"user_id": user.id})
    db.session.flush()
    return user


def invite_accounts(actor, user_ids: list[int]) -> int:
    """Send one join invitation to each of these accounts made by an import (`actor=None` is the
    command line); accepting it sets the account's password. Returns how many were written."""
    from types import SimpleNamespace

    from coalition.notifications import services as outbox

    people = db.session.execute(sa.select(User.id, User.email, User.name, User.role, User.institution_id)
                                .where(User.id.in_(user_ids), User.password_hash.is_(None))).all()
    if not people:
        return 0
    inviter = actor or SimpleNamespace(id=None, name=str(_l("The coalition")), language="es")
    tokens = [secrets.token_urlsafe(32) for _ in people]
    expires = utcnow() + timedelta(days=INVITATION_DAYS)
    rows = [{"email": p.email, "name": p.name, "role": p.role, "institution_id": p.institution_id,
             "token_hash": _token_hash(t), "invited_by_id": inviter.id, "expires_at": expires, "created_at": utcnow()}
            for p, t in zip(people, tokens)]
    # Without RETURNING: over many batches it is spliced row by row. The ids are read back by token.
    before = db.session.scalar(sa.select(sa.func.max(Invitation.id))) or 0
    db.session.execute(sa.insert(Invitation.__table__), rows)
    by_hash = dict(db.session.execute(sa.select(Invitation.token_hash, Invitation.id).where(Invitation.id > before)).all())
    ids = [by_hash[row["token_hash"]] for row in rows]
    messages = [_invitation_message(person, invitation_id, token, inviter, recipient_id=person.id)
                for invitation_id, person, token in zip(ids, people, tokens)]
    for start in range(0, len(messages), 1000):
        outbox.enqueue_many(messages[start:start + 1000])
    from coalition.audit.models import AuditEntry

    db.session.execute(sa.insert(AuditEntry), [
        {"actor_id": inviter.id, "action": "invitation.create", "subject_type": "invitations", "subject_id": i,
         "changes": {"email": p.email, "role": p.role}, "created_at": utcnow()} for i, p in zip(ids, people)])
    return len(ids)


# --- API tokens ------------------------------------------------------------------------------

API_TOKEN_PREFIX = "coa_"


def create_api_token(email, password, name: str = "") -> tuple[ApiToken, str]:
    """Exchange credentials for a new bearer token; return the row and the token (shown once)."""
    user = authenticate(email, password, channel="api")
    if user is None:
        raise NotAuthenticated(_l("The email or password is not right."))
    if not isinstance(name, str) or len(name) > TOKEN_NAME_MAX:
        raise ValidationError(fields={"name": [_l("At most %(n)s characters.", n=TOKEN_NAME_MAX)]})
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = current_app.config.get("API_TOKEN_DAYS", 30)
    token = ApiToken(user_id=user.id, token_hash=_token_hash(raw), name=name.strip(),
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(user, "token.create", token, {"name": token.name})
    return token, raw


def user_for_token(raw) -> User | None:
    """The active person an unexpired, unrevoked token belongs to, or None."""
    found = authenticate_token(raw)
    return found[0] if found else None


def authenticate_token(raw) -> tuple[User, ApiToken] | None:
    """The active person and the unexpired, unrevoked token a bearer value names, or None."""
    if not isinstance(raw, str) or not raw.startswith(API_TOKEN_PREFIX) or len(raw) > 100:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _token_hash(raw))
    ).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if token.revoked_at is not None or token.expires_at <= now or not user.active:
        return None
    # Recording every use would make every read a write; once a minute is enough to show activity.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.flush()
    return user, token


def list_api_tokens(actor) -> list[ApiToken]:
    require_actor(actor)
    return list(db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc())
    ).scalars())


def revoke_api_token(actor, token_id: int) -> ApiToken:
    require_actor(actor)
    # Locked, so a double click records one revocation.
    token = db.session.get(ApiToken, token_id, with_for_update=True) if is_id(token_id) else None
    if token is None or token.user_id != actor.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "token.revoke", token, {"name": token.name})
    db.session.flush()
    return token


def _revoke_all_tokens(user: User) -> int:
    return db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow())).rowcount


def sign_out_everywhere(actor, user_id: int) -> tuple[User, int, int]:
    """End every session of a person and revoke their API tokens (admins only); return the person
    with how many sessions ended and tokens were revoked."""
    require_actor(actor)
    require(permissions.can_manage_users(actor))
    user = get_user(actor, user_id)
    ended = sessions.end_all(actor, user, "admin")
    revoked = _revoke_all_tokens(user)
    audit.record(actor, "token.revoke_all", user, {"count": revoked})
    db.session.flush()
    return user, ended, revoked


# --- server sessions ---------------------------------------------------------------------------

def list_sessions(actor) -> list:
    """The acting person's sessions that still work, the most recently seen first."""
    require_actor(actor)
    return sessions.open_sessions(actor)


def end_session(actor, session_id) -> None:
    """End one of the acting person's own sessions (another browser's, or this one)."""
    require_actor(actor)
    if sessions.end(actor, actor, session_id, "ended") is None:
        raise NotFound()
    db.session.flush()


def end_other_sessions(actor, current_session_id: int | None) -> int:
    """End every session of the acting person but the one they are using; return how many ended."""
    require_actor(actor)
    count = sessions.end_all(actor, actor, "others_ended", keep=current_session_id)
    db.session.flush()
    return count


# --- password reset --------------------------------------------------------------------------

RESET_MAX_AGE = 3600


def _reset_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="coalition-password-reset")


def request_password_reset(email) -> None:
    """Email a reset link if an active account has this address; the caller says the same either way."""
    try:
        email = normalise_email(email)
    except ValidationError:
        return
    user = db.session.execute(sa.select(User).where(User.email == email, User.active.is_(True))).scalar_one_or_none()
    if user is None:
        return
    from coalition.notifications import services as outbox

    # The token carries the session token it was made under: any password change spends it.
    token = _reset_serializer().dumps({"user": user.id, "session": user.session_token})
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/password/reset/{token}"
    subject, text, html = outbox.render("password-reset", user.language, person=user, link=link,
                                        minutes=RESET_MAX_AGE // 60)
    outbox.enqueue(kind="password-reset", recipient=user.email, recipient_id=user.id, subject=subject,
                   text_body=text, html_body=html, dedupe_key=f"password-reset:{user.id}:{token[-24:]}")
    audit.record(None, "user.password_reset_requested", user)


def user_for_reset_token(token) -> User:
    """The person a valid, unexpired, unspent reset token belongs to, or NotFound."""
    from itsdangerous import BadData

    if not isinstance(token, str) or len(token) > 500:
        raise NotFound()
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except BadData:
        raise NotFound() from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) and isinstance(data.get("user"), int) \
        else None
    if user is None or not user.active or user.session_token != data.get("session"):
        raise NotFound()
    return user


def reset_password(token, new_password) -> User:
    """Set a new password from a reset link; the link and every session and token end with it."""
    return _set_password(user_for_reset_token(token), new_password, "user.password_reset")
