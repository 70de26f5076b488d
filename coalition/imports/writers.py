"""Write an export with the import's columns, a batch of rows at a time: CSV streamed as it is read,
or an Excel workbook (.xlsx) built in a temporary file, so memory stays flat whatever the data's size.

A kind that streams gives `export_headers()` and `export_batch(after)` → (rows, the `after` for the next
batch, or None when done); `after` is plain data, so each batch can be read in an app context of its own.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date

from coalition.dashboards.tables import _defused

# Bytes handed to the server per write while streaming a workbook.
CHUNK = 64 * 1024
# Above this a workbook being built spills from memory to a temporary file on disk.
SPOOL_MAX = 8 * 1024 * 1024

Batch = Callable[[object], tuple[list[list], object]]


def _plain(cell):
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def csv_text(rows: list[list]) -> str:
    """Rows as CSV text; cells a spreadsheet would run as a formula are quoted (the import unquotes them)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_defused(_plain(cell)) for cell in row] for row in rows])
    return buffer.getvalue()


def csv_stream(headers: list[str], batch: Batch, run: Callable) -> Iterator[str]:
    """The CSV file piece by piece: a byte-order mark (so spreadsheet programs read the accents as
    UTF-8) and the header, then one piece per batch; `run(batch, after)` reads one batch."""
    yield "\ufeff" + csv_text([headers])
    after = None
    while True:
        rows, after = run(batch, after)
        if rows:
            yield csv_text(rows)
        if after is None:
            return


def xlsx_file(title: str, headers: list[str], batch: Batch):
    """A workbook with one sheet of `headers` and every batch's rows, as an open file at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])

    def cell(value):
        value = _plain(value)
        if not isinstance(value, str):
            return value
        # Control characters cannot be stored in a workbook; text is kept as text, never as a formula.
        found = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        found.data_type = "s"
        return found

    sheet.append(headers)
    after = None
    while True:
        rows, after = batch(after)
        for row in rows:
            sheet.append([cell(value) for value in row])
        if after is None:
            break
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    workbook.save(output)
    output.seek(0)
    return output


def file_chunks(output) -> Iterator[bytes]:
    """A file's bytes in pieces, closing it at the end (or when the client goes away)."""
    try:
        while True:
            chunk = output.read(CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        output.close()
