"""One-click unsubscribe from digests (RFC 8058): GET shows a confirmation, POST turns them off."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from coalition.extensions import csrf
from coalition.notifications import digests

bp = Blueprint("notifications", __name__)


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
