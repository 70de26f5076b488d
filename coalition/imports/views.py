"""Import pages (upload → preview → import) and the CSV exports, for every kind of spreadsheet.

`/institutions/import` and `/people/import` take a file (the input `file`), keep it server-side
(`pending_imports`, never in the cookie) and redirect to its preview, `/<kind>/import/<id>`,
whose form imports it: the rows are checked again at that moment. People imports ask for the
password again first (a bulk path to people's roles). A consultation's contributions (paper from
workshops and forums) go the same way through `/consultations/<slug>/import`, and members download
them, streamed, from `/consultations/<slug>/contributions.csv`.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from coalition.auth import reauth
from coalition.auth.permissions import require, require_actor
from coalition.errors import NotFound, ValidationError
from coalition.imports import permissions, services
from coalition.imports.forms import ApplyForm, UploadForm
from coalition.web import apply_errors, current_actor

bp = Blueprint("imports", __name__)

KINDS = ("institutions", "people", "contributions", "instruments", "engagements")
# Kinds that state liaisons import too (each row only of their states) and every member exports.
POLICY_KINDS = ("instruments", "engagements")
# The multipart wrapping around the file: a file at the limit still reaches the form's own check.
FORM_OVERHEAD = 64 * 1024
SHOWN_ROWS = 500


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint, values):
    # Runs before the app's before_request hooks (CSRF and input_guard read the form), so only the
    # upload pages take a body of the import's size; every other page keeps MAX_CONTENT_LENGTH.
    if endpoint and endpoint.endswith("_upload"):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A file over the limit: the upload form again, with the reason beside the file input."""
    actor = current_actor()
    kind = (request.endpoint or "").removeprefix("imports.").removesuffix("_upload")
    if actor is None or kind not in KINDS or not _may_import(actor, kind):
        return render_template("errors/error.html", status=413, message=_("The request is too large.")), 413
    form = UploadForm(formdata=None)
    form.file.errors = [_("The file is larger than %(mb)s MB. Split it into smaller files.",
                          mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024))]
    slug = (request.view_args or {}).get("slug")
    if kind == "contributions":
        try:
            return _upload_page(kind, form, _consultation_options(slug)), 413
        except (ValidationError, NotFound):
            abort(413)
    return _upload_page(kind, form), 413


def _may_import(actor, kind: str) -> bool:
    return permissions.can_import_policy(actor) if kind in POLICY_KINDS else permissions.can_import(actor)


def _authorized(kind: str):
    actor = require_actor(current_actor())
    require(_may_import(actor, kind))
    return actor


def _consultation_options(slug) -> dict:
    """The options naming a consultation to import into (NotFound, or ValidationError for a draft)."""
    from coalition.imports.contributions import consultation_for_import

    consultation = consultation_for_import(slug)
    return {"consultation": consultation.slug, "title": consultation.title_in(str(get_locale() or "es"))}


def _urls(kind: str, options: dict) -> dict:
    slug = options.get("consultation")
    upload = url_for(f"imports.{kind}_upload", **({"slug": slug} if slug else {}))
    export = url_for(f"imports.{kind}_csv", **({"slug": slug} if slug else {}))
    xlsx = url_for(f"imports.{kind}_xlsx") if kind in POLICY_KINDS else None
    return {"upload_url": upload, "export_url": export, "xlsx_url": xlsx, "consultation_title": options.get("title")}


def _upload_page(kind: str, form: UploadForm, extra: dict | None = None):
    max_bytes, max_rows = services.limits()
    options = {k: v for k, v in (extra or {}).items() if k != "title"}
    return render_template("imports/upload.html", kind=kind, form=form,
                           columns=services.columns_of(services.get_kind(kind), options),
                           max_mb=max_bytes // (1024 * 1024), max_rows=max_rows, **_urls(kind, extra or {}))


def _upload_form(actor, kind: str, extra: dict | None = None):
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        options = {"skip_bad_rows": form.skip_bad_rows.data}
        if extra:
            options["consultation"] = extra["consultation"]
        if kind == "people":
            options["invite"] = form.invite.data
        try:
            kept = services.keep(actor, kind, data, upload.filename or "", options)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            slug = {"slug": extra["consultation"]} if extra else {}
            return redirect(url_for(f"imports.{kind}_preview", pending_id=kept.id, **slug), 303)
    return _upload_page(kind, form, extra), 422 if form.errors else 200


def _preview_page(actor, kind: str, pending_id: str, extra: dict | None = None):
    kept = services.pending(actor, kind, pending_id)
    if extra and kept.options.get("consultation") != extra["consultation"]:
        raise NotFound()
    form = ApplyForm(data=kept.options if request.method == "GET" else None)
    if form.validate_on_submit():
        options = {"skip_bad_rows": form.skip_bad_rows.data}
        if extra:
            options["consultation"] = extra["consultation"]
        if kind == "people":
            options["invite"] = form.invite.data
        try:
            result = services.apply_pending(actor, kind, pending_id, options)
        except services.ImportRefused as refused:
            apply_errors(form, refused)
            return _render_preview(kind, kept, refused.preview, form, extra), 422
        except ValidationError as error:  # the file itself is refused now (limits changed, say)
            apply_errors(form, error)
            return _render_preview(kind, kept, None, form, extra), 422
        counts = result.counts
        if kind == "contributions" and not counts["create"]:
            flash(_("Nothing new: every row of this file was already imported (%(unchanged)s unchanged, "
                    "%(error)s skipped).", **counts), "info")
        else:
            flash(_("Imported: %(create)s new, %(update)s updated, %(unchanged)s unchanged, %(error)s skipped.",
                    **counts), "success")
        if kind == "institutions":
            return redirect(url_for("institutions.index"), 303)
        return redirect(_urls(kind, extra or {})["upload_url"], 303)
    try:
        result = services.preview(kind, actor, kept.content, kept.filename, kept.options)
    except ValidationError as error:
        apply_errors(form, error)
        result = None
    return _render_preview(kind, kept, result, form, extra), 422 if form.errors else 200


def _render_preview(kind, kept, result, form, extra: dict | None = None):
    return render_template("imports/preview.html", kind=kind, kept=kept, result=result, form=form,
                           shown=result.shown(SHOWN_ROWS) if result else [], limit=SHOWN_ROWS,
                           **_urls(kind, extra or {}))


def _export(kind: str):
    actor = _authorized(kind)
    return Response(services.export(kind, actor), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


@bp.route("/institutions/import", methods=["GET", "POST"])
def institutions_upload():
    return _upload_form(_authorized("institutions"), "institutions")


@bp.route("/institutions/import/<pending_id>", methods=["GET", "POST"])
def institutions_preview(pending_id: str):
    return _preview_page(_authorized("institutions"), "institutions", pending_id)


@bp.route("/institutions.csv")
def institutions_csv():
    return _export("institutions")


# People imports reach people's roles in bulk: a path to privilege, so the password is asked again.
@bp.route("/people/import", methods=["GET", "POST"])
@reauth.privilege_path
def people_upload():
    actor = _authorized("people")
    reauth.require_fresh()
    return _upload_form(actor, "people")


@bp.route("/people/import/<pending_id>", methods=["GET", "POST"])
@reauth.privilege_path
def people_preview(pending_id: str):
    actor = _authorized("people")
    reauth.require_fresh()
    return _preview_page(actor, "people", pending_id)


@bp.route("/people.csv")
def people_csv():
    return _export("people")


# A consultation's contributions: paper collected at workshops and state forums comes in here.
@bp.route("/consultations/<slug>/import", methods=["GET", "POST"])
def contributions_upload(slug: str):
    actor = _authorized("contributions")
    return _upload_form(actor, "contributions", _consultation_options(slug))


@bp.route("/consultations/<slug>/import/<pending_id>", methods=["GET", "POST"])
def contributions_preview(slug: str, pending_id: str):
    actor = _authorized("contributions")
    return _preview_page(actor, "contributions", pending_id, _consultation_options(slug))


@bp.route("/consultations/<slug>/contributions.csv")
def contributions_csv(slug: str):
    """Every visible contribution, streamed a batch at a time (100,000 rows never sit in memory)."""
    from coalition.imports import contributions

    actor = current_actor()
    consultation = contributions.consultation_for_export(actor, slug)
    app, consultation_id, language = current_app._get_current_object(), consultation.id, str(get_locale() or "es")

    def rows():
        # The body is written after the view returns (its request's session is gone): each batch is
        # read in an app context of its own, and nothing is held open between two batches.
        state = None
        while True:
            with app.app_context():
                chunk, state = contributions.export_chunk(consultation_id, language, state)
            if chunk is None:
                return
            yield chunk

    return Response(rows(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{consultation.slug}-contributions.csv"'})


# Policy instruments and engagements (SPEC "States and policy uptake"): coordinators and state liaisons
# import (a liaison's row of another state is a row error); every member downloads, CSV or Excel.
@bp.route("/instruments/import", methods=["GET", "POST"])
def instruments_upload():
    return _upload_form(_authorized("instruments"), "instruments")


@bp.route("/instruments/import/<pending_id>", methods=["GET", "POST"])
def instruments_preview(pending_id: str):
    return _preview_page(_authorized("instruments"), "instruments", pending_id)


@bp.route("/instruments.csv")
def instruments_csv():
    return _policy_csv("instruments")


@bp.route("/instruments.xlsx")
def instruments_xlsx():
    return _policy_xlsx("instruments")


@bp.route("/engagements/import", methods=["GET", "POST"])
def engagements_upload():
    return _upload_form(_authorized("engagements"), "engagements")


@bp.route("/engagements/import/<pending_id>", methods=["GET", "POST"])
def engagements_preview(pending_id: str):
    return _preview_page(_authorized("engagements"), "engagements", pending_id)


@bp.route("/engagements.csv")
def engagements_csv():
    return _policy_csv("engagements")


@bp.route("/engagements.xlsx")
def engagements_xlsx():
    return _policy_xlsx("engagements")


def _policy_export(kind: str):
    actor = require_actor(current_actor())
    require(permissions.can_export_policy(actor))
    return services.get_kind(kind)


def _policy_csv(kind: str):
    """Streamed a batch at a time: each batch read in an app context of its own (the request's session
    is gone once the view returns), nothing held open between two."""
    from coalition.imports import writers

    found = _policy_export(kind)
    app = current_app._get_current_object()

    def run(batch, after):
        with app.app_context():
            return batch(after)

    return Response(writers.csv_stream(found.export_headers(), found.export_batch, run), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def _policy_xlsx(kind: str):
    """A workbook is a zip, written whole before its first byte can go: built batch by batch into a
    temporary file, then streamed from it."""
    from coalition.imports import writers

    found = _policy_export(kind)
    output = writers.xlsx_file(kind, found.export_headers(), found.export_batch)
    return Response(writers.file_chunks(output), mimetype=XLSX_MIMETYPE, direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{kind}.xlsx"'})


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
