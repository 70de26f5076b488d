"""Login, logout, personal settings, people administration and invitations."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from coalition.auth import permissions, reauth, services, sessions, throttle
from coalition.auth.forms import (
    AcceptInvitationForm, ConfirmForm, ForgotPasswordForm, InvitationForm, LanguageForm, LoginForm, PasswordForm,
    ReauthForm, ResetPasswordForm, RevokeTokenForm, SettingsForm, UserForm)
from coalition.database import utcnow
from coalition.errors import ValidationError
from coalition.extensions import db, login_manager
from coalition.i18n import common_timezones
from coalition.portal.http import is_portal_path
from coalition.pagination import clamp
from coalition.web import apply_errors, current_actor, safe_next

bp = Blueprint("auth", __name__)


bp.app_errorhandler(reauth.ReauthenticationRequired)(reauth.handle)


# --- server sessions (coalition/auth/sessions.py) ----------------------------------------------

@login_manager.user_loader
def _load_user(key: str):
    if request.path.startswith("/api/"):
        return None  # the API ignores cookies
    found = sessions.resolve(key)
    if found is None:
        return None
    user, current = found
    user.__dict__["_server_session"] = current
    return user


@user_loaded_from_cookie.connect
def _rotate_remembered_session(app, user=None, **_extra):
    """The remember cookie opened a new browser session: it gets a new key, the old one ends."""
    current = user.__dict__.get("_server_session") if user is not None else None
    if current is None:
        return
    rotated = sessions.rotate(current, user, user_agent=request.user_agent.string, address=request.remote_addr)
    if rotated is None:  # another request rotated it first
        g.coalition_session_refused = True
        return
    record, key = rotated
    user.__dict__["_server_session"] = sessions.Current(
        id=record.id, key=key, user_id=user.id, remember=True, expires_at=record.expires_at,
        last_seen_at=record.last_seen_at)
    session["_user_id"] = key
    session["_remember"] = "set"
    session.pop(reauth.KEY, None)  # restored from a cookie, not a typed password


@bp.before_app_request
def _resolve_server_session():
    """Resolve the session before the view runs, and commit what resolving wrote (a touch, an
    expiry, a rotation), so a GET can record it and a refused POST does not lose it."""
    if request.path.startswith(("/api/", "/static/")) or request.endpoint == "static" or \
            is_portal_path(request.path):
        return None
    current_user._get_current_object()
    if g.pop("coalition_session_refused", False):
        # A second tab restored the same remember cookie at once: the first one's new cookie stays,
        # and the next request is restored by it.
        g._login_user = login_manager.anonymous_user()
        session.pop("_user_id", None)
    elif not current_user.is_authenticated and "_user_id" in session:
        session.pop("_user_id", None)  # an ended or expired session: forget its key
        if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            session["_remember"] = "clear"
    if sessions.pending_write():
        db.session.commit()
    return None


def current_session():
    """The server session the acting person's request runs under, or None."""
    actor = current_actor()
    return actor.__dict__.get("_server_session") if actor is not None else None


def _log_in(user, remember: bool) -> None:
    """Open a server session for `user` on this device and put its key in the cookie."""
    record, key = sessions.start(user, remember=remember, user_agent=request.user_agent.string,
                                 address=request.remote_addr)
    user.__dict__["_server_session"] = sessions.Current(
        id=record.id, key=key, user_id=user.id, remember=record.remember, expires_at=record.expires_at,
        last_seen_at=record.last_seen_at)
    login_user(user, remember=remember)
    session.permanent = True
    reauth.mark_authenticated()


@bp.route("/login", methods=["GET", "POST"])
@throttle.login_limits
def login():
    if current_actor() is not None:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # the failure's audit entry
            form.password.errors = [_("The email or password is not right.")]
        else:
            language = session.get("lang")
            # A fresh session at login: nothing from before carries over but the language.
            session.clear()
            _log_in(user, bool(form.remember.data))
            if language and not user.language:
                session["lang"] = language
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.reset_limits
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        flash(_("If an account uses that address, a link to choose a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@throttle.limiter.limit(throttle.RESET_PER_ADDRESS, methods=["POST"], scope="reset-address")
def reset_password(token: str):
    services.user_for_reset_token(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            session.clear()
            flash(_("Your password is changed. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "POST":
        current, actor = current_session(), current_actor()
        if current is not None:
            sessions.end(actor, actor, current.id, "logout")
        # Clear first: logout_user() leaves a mark that deletes the remember-me cookie.
        session.clear()
        logout_user()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    if current_actor() is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


def _settings_form(actor, formdata=None) -> SettingsForm:
    form = SettingsForm(formdata=formdata, obj=None if formdata else actor)
    form.timezone.choices = [(z, z.replace("_", " ")) for z in common_timezones()]
    return form


def _render_settings(actor, settings_form=None, password_form=None, status=200):
    return render_template(
        "auth/settings.html",
        form=settings_form or _settings_form(actor),
        password_form=password_form or PasswordForm(formdata=None),
        tokens=services.list_api_tokens(actor),
        revoke_form=RevokeTokenForm(formdata=None),
        user_sessions=services.list_sessions(actor),
        current_session=current_session(),
        now=utcnow(),
    ), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    actor = permissions.require_actor(current_actor())
    if request.method == "GET":
        return _render_settings(actor)
    form = _settings_form(actor, request.form)
    if form.validate():
        try:
            services.update_settings(actor, name=form.name.data, language=form.language.data,
                                     timezone=form.timezone.data, digest_frequency=form.digest_frequency.data,
                                     digest_weekday=form.digest_weekday.data, digest_hour=form.digest_hour.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("auth.settings"))
    return _render_settings(actor, settings_form=form, status=422)


@bp.route("/settings/password", methods=["POST"])
def change_password():
    actor = permissions.require_actor(current_actor())
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            current = current_session()
            services.change_password(actor, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # Every session ended with the old password: this device gets a new one, the others are out.
            _log_in(actor, bool(current and current.remember))
            flash(_("Your password is changed. Your other sessions have ended."), "success")
            return redirect(url_for("auth.settings"))
    return _render_settings(actor, password_form=form, status=422)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    actor = permissions.require_actor(current_actor())
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    token = services.revoke_api_token(actor, token_id)
    flash(_("The token “%(name)s” no longer works.", name=token.name or token.id), "success")
    return redirect(url_for("auth.settings") + "#tokens")


@bp.route("/settings/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    actor = permissions.require_actor(current_actor())
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current = current_session()
    services.end_session(actor, session_id)
    if current is not None and current.id == session_id:
        session.clear()
        logout_user()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended: its browser must log in again."), "success")
    return redirect(url_for("auth.settings") + "#sessions")


@bp.route("/settings/sessions/end-others", methods=["POST"])
def end_other_sessions():
    actor = permissions.require_actor(current_actor())
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current = current_session()
    count = services.end_other_sessions(actor, current.id if current else None)
    flash(_("Your other sessions have ended (%(count)s).", count=count), "success")
    return redirect(url_for("auth.settings") + "#sessions")


@bp.route("/settings/language", methods=["POST"])
def change_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    actor = current_actor()
    if actor is None:
        session["lang"] = form.language.data
    else:
        services.update_settings(actor, language=form.language.data)
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


# --- people (admins) -------------------------------------------------------------------------

def _institution_choices():
    from coalition.institutions.services import institution_choices

    return [(0, "—")] + institution_choices()


@bp.route("/admin/users")
def users():
    actor = permissions.require_actor(current_actor())
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"))
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") or None
    result = services.list_users(actor, q, role, page, per_page)
    return render_template("auth/users.html", page=result, q=q, role=role)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@reauth.privilege_path
def user_detail(user_id: int):
    actor = permissions.require_actor(current_actor())
    permissions.require(permissions.can_manage_users(actor))
    # Asked before the form is shown, so nothing typed is lost.
    reauth.require_fresh()
    user = services.get_user(actor, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    form.institution_id.choices = _institution_choices()
    if request.method == "GET":
        form.institution_id.data = user.institution_id or 0
    if form.validate_on_submit():
        try:
            services.manage_user(actor, user.id, role=form.role.data, active=form.active.data,
                                 institution_id=form.institution_id.data or None)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user.html", user=user, form=form, confirm_form=ConfirmForm(formdata=None),
                           user_sessions=sessions.open_sessions(user)), 422 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/sign-out", methods=["POST"])
@reauth.privilege_path
def sign_out_user(user_id: int):
    """End every session of a person and revoke their API tokens."""
    actor = permissions.require_actor(current_actor())
    permissions.require(permissions.can_manage_users(actor))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reauth.require_fresh()
    user, ended, revoked = services.sign_out_everywhere(actor, user_id)
    flash(_("%(name)s is logged out everywhere: %(sessions)s sessions ended, %(tokens)s API tokens revoked.",
            name=user.name, sessions=ended, tokens=revoked), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/reauthenticate", methods=["GET", "POST"])
@throttle.login_limits
def reauthenticate():
    """Type the password again before a sensitive change."""
    actor = permissions.require_actor(current_actor())
    form = ReauthForm()
    target = safe_next(request.args.get("next"), url_for("home.index"))
    if form.validate_on_submit():
        if services.confirm_password(actor, form.password.data):
            reauth.mark_authenticated()
            return redirect(target)
        db.session.commit()  # the failure's audit entry
        form.password.errors = [_("That is not your password.")]
    return render_template("auth/reauthenticate.html", form=form), 422 if form.errors else 200


# --- invitations -----------------------------------------------------------------------------

@bp.route("/invitations/new", methods=["GET", "POST"])
@reauth.privilege_path
def invite():
    from coalition.groups.models import WorkingGroup
    from coalition.groups.permissions import can_manage_memberships
    from coalition.templating import group_name

    actor = permissions.require_actor(current_actor())
    permissions.require(permissions.can_invite(actor))
    if permissions.can_manage_users(actor):
        # This form can make someone an admin or coordinator: asked before it is shown.
        reauth.require_fresh()
    form = InvitationForm()
    form.institution_id.choices = _institution_choices()
    groups = db.session.execute(db.select(WorkingGroup).order_by(WorkingGroup.position)).scalars()
    form.group_id.choices = ([(0, "—")] if actor.is_coordinator else []) + [
        (g.id, group_name(g)) for g in groups if can_manage_memberships(actor, g.id)]
    if not permissions.can_manage_users(actor):
        form.role.choices = [c for c in form.role.choices if c[0] == "member"]
    link = None
    if form.validate_on_submit():
        if form.role.data != "member":
            reauth.require_fresh()
        group = db.session.get(WorkingGroup, form.group_id.data) if form.group_id.data else None
        try:
            invitation, token = services.invite(actor, email=form.email.data, name=form.name.data,
                                                role=form.role.data, institution_id=form.institution_id.data or None,
                                                group=group)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            link = url_for("auth.accept_invitation", token=token, _external=True)
            flash(_("Invitation created for %(email)s.", email=invitation.email), "success")
            form = None
    return render_template("auth/invite.html", form=form, link=link), 422 if form and form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    form = AcceptInvitationForm(obj=invitation if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, name=form.name.data, password=form.password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            session.clear()
            _log_in(user, False)
            flash(_("Welcome to the coalition, %(name)s.", name=user.name), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/accept.html", form=form, invitation=invitation), 422 if form.errors else 200
