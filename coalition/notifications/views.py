"""The digest's settings and preview page, and the one-click unsubscribe (RFC 8058: GET shows a
confirmation, POST turns digests off)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coalition.auth import permissions
from coalition.auth import services as auth_services
from coalition.database import utcnow
from coalition.errors import ValidationError
from coalition.extensions import csrf
from coalition.notifications import digests
from coalition.notifications.forms import DigestSettingsForm
from coalition.templating import language
from coalition.web import apply_errors, current_actor

bp = Blueprint("notifications", __name__)


def _settings_form(actor, formdata=None) -> tuple[DigestSettingsForm, list]:
    groups = digests.mute_choices(actor)
    form = DigestSettingsForm(formdata=formdata, data=None if formdata else {
        "digest_frequency": actor.digest_frequency, "digest_weekday": actor.digest_weekday,
        "digest_hour": actor.digest_hour, "muted": [group.id for group, muted in groups if muted]})
    form.muted.choices = [(group.id, group.name_in(language())) for group, _muted in groups]
    return form, groups


def _render(actor, form, status=200):
    content, email = digests.preview(actor, utcnow(), language())
    return render_template("notifications/digest_settings.html", form=form, preview=content,
                           text=email[1] if email else "", subject=email[0] if email else ""), status


@bp.route("/settings/digest", methods=["GET", "POST"])
def digest_settings():
    actor = permissions.require_actor(current_actor())
    if request.method == "GET":
        return _render(actor, _settings_form(actor)[0])
    form, _groups = _settings_form(actor, request.form)
    if form.validate():
        try:
            auth_services.update_settings(actor, digest_frequency=form.digest_frequency.data,
                                          digest_weekday=form.digest_weekday.data, digest_hour=form.digest_hour.data)
            digests.set_mutes(actor, set(form.muted.data or ()))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Your digest settings are saved."), "success")
            return redirect(url_for("notifications.digest_settings"))
    return _render(actor, form, status=422)


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe_page(token: str):
    person = digests.user_for_unsubscribe(token)
    if person is None:
        abort(404)
    return render_template("notifications/unsubscribe.html", person=person, token=token, done=False)


# Mail clients post here with no cookie and no form token; the signed token in the URL is the proof.
@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
def unsubscribe(token: str):
    person = digests.unsubscribe(token)
    if person is None:
        abort(404)
    return render_template("notifications/unsubscribe.html", person=person, token=token, done=True)
