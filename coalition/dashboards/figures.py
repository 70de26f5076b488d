"""The dashboard's charts, drawn from the same figures as its tables, in the page's language."""
from __future__ import annotations

from flask_babel import format_decimal, gettext as _
from markupsafe import Markup

from coalition.dashboards import charts
from coalition.dashboards.services import Dashboard
from coalition.dashboards.tables import percent
from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.institutions.models import SECTORS, state_label
from coalition.templating import group_name

STATES_SHOWN = 15


def _percent(value) -> str:
    return f"{format_decimal(round(value))} %"


def _count(value) -> str:
    return format_decimal(value)


def work_charts(board: Dashboard) -> dict[str, Markup]:
    """The charts of the deliverables' figures, drawn again after every write."""
    empty = _("No figures for these filters.")
    return {
        "progress": charts.bar_chart(
            # No links inside the chart (an image to assistive technology); the table beside it has them.
            [(group_name(g), progress) for g, progress, _n in board.progress],
            chart_id="chart-progress", title=_("Progress by working group"),
            description=_("Average progress of each group's deliverables, from 0 to 100 %."),
            max_value=100, value_format=_percent, empty_text=empty),
        "health": charts.bar_chart(
            [(str(HEALTHS[key]), n) for key, n in board.by_health.items()],
            chart_id="chart-health", title=_("Deliverables by health"),
            description=_("How many deliverables are on track, at risk and off track."),
            value_format=_count, empty_text=empty),
        "status": charts.bar_chart(
            [(str(STATUSES[key]), n) for key, n in board.by_status.items()],
            chart_id="chart-status", title=_("Deliverables by status"),
            description=_("How many deliverables are in each status."), value_format=_count, empty_text=empty),
    }


def context_charts(board: Dashboard) -> dict[str, Markup]:
    """The charts that read no deliverable: cached with their part of the page under the context version."""
    names = {g_id: group_name(g) for g_id, g in board.groups.items()}
    segments = [(key, str(label)) for key, label in SECTORS.items()]
    balance_rows = [(names[b.group_id], b.institutions) for b in board.balance]
    attendance_rows = [(names[b.group_id], b.attendance) for b in board.balance if any(b.attendance.values())]
    empty = _("No figures for these filters.")
    rated = lambda rows: [(label, percent(a, t)) for label, a, t in rows if t]  # noqa: E731
    return {
        "balance": charts.stacked_bar_chart(
            balance_rows, segments=segments, chart_id="chart-balance",
            title=_("Sectors of each group's member institutions"),
            description=_("For each working group, the share of its member institutions from each sector."),
            value_format=_percent, empty_text=empty),
        "balance_attendance": charts.stacked_bar_chart(
            attendance_rows, segments=segments, chart_id="chart-balance-attendance",
            title=_("Sectors in each group's meeting attendance"),
            description=_("For each working group, the share of attendances at its held meetings from each sector."),
            value_format=_percent, empty_text=empty),
        "attendance_month": charts.line_chart(
            [(month, percent(a, t)) for month, a, t in board.attendance_by_month],
            chart_id="chart-attendance-month", title=_("Attendance by month"),
            description=_("The share of invited people who attended held meetings, month by month."),
            y_max=100, value_format=_percent, empty_text=empty),
        "attendance_group": charts.bar_chart(
            rated([(names.get(g, ""), a, t) for g, (a, t) in board.attendance_by_group.items()]),
            chart_id="chart-attendance-group", title=_("Attendance by working group"),
            description=_("The share of invited people who attended each group's held meetings."),
            max_value=100, value_format=_percent, empty_text=empty),
        "attendance_sector": charts.bar_chart(
            rated([(str(SECTORS.get(s, s)), a, t) for s, (a, t) in board.attendance_by_sector.items()]),
            chart_id="chart-attendance-sector", title=_("Attendance by sector"),
            description=_("The share of invited people from each sector who attended held meetings."),
            max_value=100, value_format=_percent, empty_text=empty),
        "states": charts.bar_chart(
            [(state_label(state), n) for state, n in board.institutions_by_state[:STATES_SHOWN]],
            chart_id="chart-states", title=_("Institutions by state"),
            description=_("The states with the most member institutions, most first."),
            value_format=_count, empty_text=empty),
        "sectors": charts.bar_chart(
            [(str(SECTORS[key]), n) for key, n in board.institutions_by_sector.items()],
            chart_id="chart-sectors", title=_("Institutions by sector"),
            description=_("How many member institutions each sector has."), value_format=_count, empty_text=empty),
    }


def agenda_charts(section) -> dict[str, Markup]:
    """The consultation and agenda section's charts (see coalition.dashboards.agenda)."""
    from coalition.analysis.views import figure_charts
    from coalition.recommendations.models import RECOMMENDATION_STATES

    result = figure_charts(section.figures) if section.figures is not None else {}
    result["recommendation_states"] = charts.bar_chart(
        [(str(RECOMMENDATION_STATES[key]), n) for key, n in section.by_state.items()],
        chart_id="chart-recommendation-states", title=_("Recommendations by state"),
        description=_("How many recommendations are in each state."), value_format=_count,
        empty_text=_("No recommendations yet."))
    return result


def agenda_context() -> dict:
    """The labels the consultation and agenda section's template needs."""
    from coalition.analysis.views import breakdown_label, breakdown_titles
    from coalition.consultations.models import MIN_CELL
    from coalition.recommendations.models import AREAS, HORIZONS

    return {"areas": AREAS, "horizons": HORIZONS, "titles": breakdown_titles(), "label": breakdown_label,
            "min_cell": MIN_CELL}
