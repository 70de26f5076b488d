"""Every figure of a dashboard as a named table: the page's text equivalents and the CSV exports."""
from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import format_datetime, get_locale, get_timezone, gettext as _

from coalition.dashboards.services import Dashboard
from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.institutions.models import SECTORS, state_label
from coalition.templating import group_name, local_date, local_datetime

# Dates and instants formatted in a language and timezone, kept by this process: Babel takes a tenth of
# a millisecond each, and the dashboard re-renders its lists and activity after every write.
FORMATTED_ENTRIES = 4096
_formatted: OrderedDict[tuple, str] = OrderedDict()


def _memo(kind: str, value, fmt: str, format_value) -> str:
    # The text depends on the value, the format, the language and the timezone: nothing else.
    key = (kind, value, fmt, str(get_locale()), str(get_timezone()))
    text = _formatted.get(key)
    if text is None:
        text = _formatted[key] = format_value(value, fmt)
        if len(_formatted) > FORMATTED_ENTRIES:
            _formatted.popitem(last=False)
    return text


def day(value, fmt: str = "medium") -> str:
    """`value|localdate`, remembered."""
    return _memo("day", value, fmt, local_date)


def moment(value, fmt: str = "medium") -> str:
    """`value|localdt`, remembered."""
    return _memo("moment", value, fmt, local_datetime)


def stamp(value) -> str:
    """A table's instant (yyyy-MM-dd HH:mm, the viewer's timezone), remembered."""
    return _memo("stamp", value, "yyyy-MM-dd HH:mm", format_datetime)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]


def percent(attended: int, total: int) -> int | None:
    return round(100 * attended / total) if total else None


# The tables of the deliverables' figures (rendered again after every write); the others read no
# deliverable, and their part of the page is cached under the context version.
WORK_FIGURES = ("progress", "status", "health", "overdue", "stale")
WORK = (*WORK_FIGURES, "activity")
CONTEXT = ("upcoming", "without-minutes", "attendance-month", "attendance-group", "attendance-sector",
           "attendance-institution", "balance", "states", "sectors")


def tables(board: Dashboard, names: tuple[str, ...] | None = None) -> dict[str, Table]:
    """The board's tables, or only those named (in that order)."""
    groups = board.groups

    def name(group_id: int) -> str:
        return group_name(groups.get(group_id))

    def deliverables(items) -> list[list]:
        return [[d.id, d.title, name(d.group_id), str(STATUSES[d.status]), d.progress, d.owner_name,
                 d.due_date.isoformat()] for d in items]

    deliverable_headers = [_("Id"), _("Title"), _("Group"), _("Status"), _("Progress (%)"), _("Owner"), _("Due")]
    meeting_headers = [_("Id"), _("Meeting"), _("Group"), _("Starts")]

    def meetings(items) -> list[list]:
        return [[m.id, m.title, name(m.group_id), stamp(m.starts_at)] for m in items]

    def sector_mix(counts: dict[str, int]) -> list:
        return [counts.get(key, 0) for key in SECTORS]

    sector_headers = [str(label) for label in SECTORS.values()]
    build = {
        "progress": lambda: Table(_("Progress by working group"),
                          [_("Group"), _("Deliverables"), _("Progress (%)"), _("Change, 7 days (points)"),
                           _("Change, 30 days (points)")],
                          [[group_name(g), count, progress, *board.change.get(g.id, (0.0, 0.0))]
                           for g, progress, count in board.progress]),
        "status": lambda: Table(_("Deliverables by status"), [_("Status"), _("Deliverables")],
                        [[str(STATUSES[key]), n] for key, n in board.by_status.items()]),
        "health": lambda: Table(_("Deliverables by health"), [_("Health"), _("Deliverables")],
                        [[str(HEALTHS[key]), n] for key, n in board.by_health.items()]),
        "overdue": lambda: Table(_("Overdue deliverables"), deliverable_headers, deliverables(board.overdue)),
        "stale": lambda: Table(_("Stale deliverables"), deliverable_headers, deliverables(board.stale)),
        "upcoming": lambda: Table(_("Upcoming meetings"), meeting_headers, meetings(board.upcoming)),
        "without-minutes": lambda: Table(_("Held meetings without minutes"), meeting_headers,
                                         meetings(board.without_minutes)),
        "attendance-month": lambda: Table(_("Attendance by month"),
                                          [_("Month"), _("Attended"), _("Expected"), _("Rate (%)")],
                                  [[m, a, t, percent(a, t)] for m, a, t in board.attendance_by_month]),
        "attendance-group": lambda: Table(_("Attendance by working group"),
                                  [_("Group"), _("Attended"), _("Expected"), _("Rate (%)")],
                                  [[name(g), a, t, percent(a, t)] for g, (a, t) in
                                   sorted(board.attendance_by_group.items(), key=lambda item: name(item[0]))]),
        "attendance-sector": lambda: Table(_("Attendance by sector"),
                                           [_("Sector"), _("Attended"), _("Expected"), _("Rate (%)")],
                                   [[str(SECTORS.get(s, s)), a, t, percent(a, t)]
                                    for s, (a, t) in sorted(board.attendance_by_sector.items())]),
        "attendance-institution": lambda: Table(_("Attendance by institution"),
                                        [_("Institution"), _("Sector"), _("Attended"), _("Expected"), _("Rate (%)")],
                                        [[n, str(SECTORS.get(s, s)), a, t, percent(a, t)]
                                         for _id, n, s, a, t in board.attendance_by_institution]),
        "balance": lambda: Table(_("Multi-stakeholder balance"),
                         [_("Group"), _("Measure"), *sector_headers, _("Absent sectors"), _("Dominant sectors")],
                         [row for b in board.balance for row in (
                             [name(b.group_id), _("Member institutions"), *sector_mix(b.institutions),
                              ", ".join(str(SECTORS[s]) for s in b.absent),
                              ", ".join(str(SECTORS[s]) for s in b.dominant)],
                             [name(b.group_id), _("Active people"), *sector_mix(b.people), "", ""],
                             [name(b.group_id), _("Attendances"), *sector_mix(b.attendance), "", ""])]),
        "states": lambda: Table(_("Institutions by state"), [_("State"), _("Institutions")],
                        [[state_label(state), n] for state, n in board.institutions_by_state]),
        "sectors": lambda: Table(_("Institutions by sector"), [_("Sector"), _("Institutions")],
                         [[str(SECTORS[key]), n] for key, n in board.institutions_by_sector.items()]),
        "activity": lambda: Table(_("Recent activity"), [_("When"), _("Group"), _("What")],
                          [[stamp(item.at), name(item.group_id), describe(item)]
                           for item in board.activity]),
    }
    return {key: build[key]() for key in (names or tuple(build))}


def describe(item) -> str:
    if item.kind == "update":
        return _("%(who)s updated “%(what)s”", who=item.who or _("Someone"), what=item.what)
    if item.kind == "member":
        return _("%(who)s joined the group", who=item.who)
    return _("Meeting held: %(what)s", what=item.what)


def to_csv(table: Table) -> str:
    """CSV with a header row; cells that a spreadsheet would run as a formula are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_defused(cell) for cell in row])
    return buffer.getvalue()


def _defused(cell):
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return "" if cell is None else cell
