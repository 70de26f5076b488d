"""The coordinators' dashboard and each group's dashboard, with filters and CSV exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from flask_babel import format_decimal, get_locale, get_timezone, gettext as _
from markupsafe import Markup

from coalition.dashboards import agenda, cache, charts, permissions, services, tables
from coalition.dashboards.figures import agenda_charts, agenda_context, context_charts, work_charts
from coalition.database import coalition_today
from coalition.errors import ValidationError
from coalition.groups import services as group_services
from coalition.institutions.models import SECTORS
from coalition.policy.continuity import continuity
from coalition.web import current_actor

bp = Blueprint("dashboards", __name__)
# The board's templates format dates and instants with these (remembered per language and timezone).
FORMATS = {"day": tables.day, "moment": tables.moment}


def _board(slug: str | None):
    """The dashboard for the request's filters; bad filters are shown beside the form, not raised."""
    actor = current_actor()
    group = group_services.get_group(actor, slug) if slug else None
    errors: dict = {}
    try:
        filters = services.Filters.parse(request.args.get("sector"), request.args.get("start"),
                                         request.args.get("end"))
    except ValidationError as error:
        errors, filters = error.fields, services.Filters()
    return services.dashboard(actor, group, filters), errors


def _page(slug: str | None):
    board, errors = _board(slug)
    can_choose_group = permissions.can_view_coalition_dashboard(current_actor())
    group_id = board.group.id if board.group is not None else None
    current_one = agenda.current(group_id)
    if errors:
        parts = {**_context_parts(board, errors, can_choose_group, current_one),
                 **{name: render(board) for name, (_data, render) in _work_parts(board).items()}}
    else:
        # What reads no deliverable is rendered once per context version, which a deliverable's write
        # leaves alone; it also depends on its figures' key, the language, the timezone (times in
        # tables), whether the viewer may pick another group, the agenda's consultation and newest
        # contribution (see `agenda.current`) and today (continuity): nothing else. The deliverables'
        # parts are rendered once per content: the figures they show (a write often leaves the counts
        # and lists as they were), with the groups' names (context version), language and timezone.
        look = (get_locale(), get_timezone())
        scope = board.cache_key[:-1]  # the group, the filters, the list's length; not the clock
        consultation, newest = current_one
        entries = {name: ((*scope, f"html-{name}", *look, cache.fingerprint(data)), lambda render=render: render(board))
                   for name, (data, render) in _work_parts(board).items()}
        entries["page-context"] = (
            (*board.cache_key, "page-context", *look, can_choose_group,
             consultation.id if consultation is not None else None, newest, coalition_today()),
            lambda: _context_parts(board, errors, can_choose_group, current_one))
        found = cache.cached_many(entries, at_version=board.context_version)
        parts = {**found.pop("page-context"), **found}
    return render_template("dashboards/dashboard.html", board=board, parts=parts), 422 if errors else 200


def _work_parts(board) -> dict[str, tuple]:
    """The deliverables' parts (counts, progress and health; the overdue and stale lists; the latest
    activity): for each, the data it shows and how to render it as HTML."""
    def part(template: str, names: tuple[str, ...], extra=lambda board: {}):
        return lambda board: Markup(render_template(f"dashboards/{template}", board=board,
                                                    tables=tables.tables(board, names), **FORMATS, **extra(board)))

    counts = ([(g.id, progress, count) for g, progress, count in board.progress], board.change, board.by_status,
              board.by_health)
    return {
        "figures": (counts, part("_board_figures.html", ("progress", "status", "health"),
                                 extra=lambda board: {"charts": work_charts(board)})),
        "lists": ((board.overdue, board.stale), part("_board_lists.html", ("overdue", "stale"))),
        "activity": (board.activity, part("_board_activity.html", ("activity",),
                                          extra=lambda board: {"describe": tables.describe})),
    }


def _context_parts(board, errors: dict, can_choose_group: bool, current_one) -> dict[str, Markup]:
    """What reads no deliverable, as HTML: the title and filters, meetings, balance, attendance,
    institutions, the consultation and agenda, and (the coordinators' board) continuity."""
    shown = tables.tables(board, tables.CONTEXT)
    section = agenda.agenda_section(board.group.id if board.group is not None else None, current_one)
    # Continuity is the coalition's, not a group's: only the coordinators' dashboard shows it.
    rows = continuity() if board.group is None else None
    return {
        "head": Markup(render_template("dashboards/_board_head.html", board=board, filter_errors=errors,
                                       sectors=SECTORS, args=request.args, can_choose_group=can_choose_group)),
        "context": Markup(render_template("dashboards/_board_context.html", board=board, tables=shown,
                                          charts=context_charts(board), **FORMATS)),
        "agenda": Markup(render_template("dashboards/_agenda.html", board=board, agenda=section,
                                         agenda_charts=agenda_charts(section), **agenda_context())),
        "continuity": Markup() if rows is None else Markup(render_template(
            "dashboards/_continuity.html", continuity=rows, continuity_chart=_continuity_chart(rows))),
    }


def _continuity_chart(rows) -> Markup:
    """Per administration, the share of the instruments approved under it that outlived it."""
    segments = [("survived", _("Still in force after the change")), ("ended", _("Ended before the change")),
                ("pending", _("Next administration not yet in office"))]
    bars = [
        # The years label each bar (a president's full name does not fit); the table beside it names them.
        (f"{row.administration.starts_on.year}–{row.administration.ends_on.year}",
         {"survived": row.survived, "ended": row.ended} if row.survived is not None else {"pending": row.approved})
        for row in rows if row.approved]
    return charts.stacked_bar_chart(
        bars, segments=segments, chart_id="chart-continuity", title=_("Continuity of instruments by administration"),
        description=_("For each federal administration, the share of the instruments approved under it that were "
                      "still in force after the next administration took office."),
        value_format=lambda value: f"{format_decimal(round(value))} %",
        empty_text=_("No instrument has been approved yet."))


def _export(slug: str | None, name: str):
    board, errors = _board(slug)
    if errors:
        raise ValidationError(fields=errors)
    if name not in tables.WORK + tables.CONTEXT:
        abort(404)
    table = tables.tables(board, (name,))[name]
    scope = board.group.slug if board.group is not None else "coalition"
    filename = f"{scope}-{name}.csv"
    # A byte-order mark so spreadsheet programs read the accents as UTF-8.
    return Response("\ufeff" + tables.to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/dashboard")
def coalition():
    slug = request.args.get("group")
    if slug:
        # The filter form's group choice: that group's own dashboard, with the other filters.
        group_services.get_group(current_actor(), slug)
        rest = {k: v for k, v in request.args.items() if k != "group" and v}
        return redirect(url_for("dashboards.group", slug=slug, **rest))
    return _page(None)


@bp.route("/groups/<slug>/dashboard")
def group(slug: str):
    return _page(slug)


@bp.route("/dashboard/<name>.csv")
def coalition_csv(name: str):
    return _export(None, name)


@bp.route("/groups/<slug>/dashboard/<name>.csv")
def group_csv(slug: str, name: str):
    return _export(slug, name)
