"""Read a spreadsheet (CSV or .xlsx) into a header and numbered rows, within the import limits.

CSV files saved by Excel in Mexico come as UTF-8 (with or without a byte-order mark) or
Windows-1252, separated by `,` or `;` (Excel's "Unicode text" is UTF-16 with tabs). The encoding
is found by trying them in that order, the separator by which one splits the header into the most
known column names.
"""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l

from coalition.errors import ValidationError
from coalition.imports.vocabulary import fold

DELIMITERS = (";", ",", "\t")
# A workbook is a zip: refuse one that would unpack to far more than any real spreadsheet.
XLSX_MAX_UNPACKED = 200 * 1024 * 1024
CELL_MAX = 100_000


def max_bytes() -> int:
    return current_app.config["IMPORT_MAX_BYTES"]


def max_rows() -> int:
    return current_app.config["IMPORT_MAX_ROWS"]


class FileRefused(ValidationError):
    """The whole file cannot be imported (too large, unreadable, no known columns); nothing is written."""

    def __init__(self, message):
        super().__init__(message, fields={"file": [message]})


@dataclass
class Sheet:
    """The rows of a file: `columns[i]` is the canonical column of the file's i-th column (or None)."""

    headers: list[str]
    columns: list[str | None]
    rows: list[tuple[int, list[str]]]  # (line or row number in the file, cells)
    format: str = "csv"
    encoding: str = ""
    delimiter: str = ""
    ignored: list[str] = field(default_factory=list)

    def label(self, column: str) -> str:
        """How the file names a canonical column: its letter and header, or the column's own name."""
        if column in self.columns:
            index = self.columns.index(column)
            return f"{column_letter(index)} ({self.headers[index]})"
        return column

    def values(self, cells: list[str]) -> dict[str, str]:
        return {column: cells[i] if i < len(cells) else "" for i, column in enumerate(self.columns) if column}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read(data: bytes, filename: str, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Sheet:
    """Read `data` as CSV or .xlsx and map its header to the canonical columns named in `aliases`."""
    if len(data) > max_bytes():
        raise FileRefused(_l("The file is larger than %(mb)s MB. Split it into smaller files.",
                             mb=max_bytes() // (1024 * 1024)))
    if not data.strip():
        raise FileRefused(_l("The file is empty."))
    lookup = {fold(name): column for column, names in aliases.items() for name in (column, *names)}
    if data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx"):
        sheet = _read_xlsx(data, lookup)
    else:
        sheet = _read_csv(data, lookup)
    missing = [column for column in required if column not in sheet.columns]
    if missing:
        raise FileRefused(_l("The file has no column %(columns)s. The first row must name the columns.",
                             columns=", ".join(missing)))
    return sheet


def _map_header(cells: list[str], lookup: dict[str, str]) -> tuple[list[str], list[str | None], list[str]]:
    headers = [str(c or "").strip() for c in cells]
    columns: list[str | None] = []
    ignored = []
    for header in headers:
        column = lookup.get(fold(header))
        if column is not None and column in columns:
            raise FileRefused(_l("The column “%(name)s” appears twice.", name=header))
        columns.append(column)
        if column is None and header:
            ignored.append(header)
    return headers, columns, ignored


def _too_many_rows() -> FileRefused:
    return FileRefused(_l("The file has more than %(n)s rows. Split it into smaller files.",
                          n=f"{max_rows():,}"))


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileRefused(_l("The file's characters could not be read. Save it as “CSV UTF-8” or as an "
                             "Excel workbook (.xlsx).")) from None


def _read_csv(data: bytes, lookup: dict[str, str]) -> Sheet:
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileRefused(_l("This does not look like a CSV file. Save it as CSV or as an Excel workbook (.xlsx)."))
    first = next((line for line in text.splitlines() if line.strip()), "")

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(1 for c in cells if fold(c) in lookup), len(cells)

    delimiter = max(DELIMITERS, key=score)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    position = {"line": 0}

    def numbered():
        for cells in reader:
            # A quoted cell may span lines: a row is named by the line it starts on.
            line, position["line"] = position["line"] + 1, reader.line_num
            yield line, cells

    try:
        (headers, columns, ignored), rows = _table(numbered(), lookup)
    except csv.Error:
        raise FileRefused(_l("Line %(line)s could not be read as CSV (a quote left open, or a cell too long).",
                             line=position["line"] + 1)) from None
    return Sheet(headers, columns, rows, "csv", encoding, {"\t": "tab"}.get(delimiter, delimiter), ignored)


def _table(numbered, lookup: dict[str, str]):
    """The header (the first row with anything in it) and the rows under it, numbered as the file
    numbers them; empty rows skipped, at most the row limit."""
    header = None
    rows: list[tuple[int, list[str]]] = []
    limit = max_rows()
    for number, cells in numbered:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _map_header(cells, lookup)
            continue
        if len(rows) >= limit:
            raise _too_many_rows()
        rows.append((number, cells))
    if header is None:
        raise FileRefused(_l("The file is empty."))
    return header, rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_xlsx(data: bytes, lookup: dict[str, str]) -> Sheet:
    from openpyxl import load_workbook

    unreadable = _l("The file could not be read as an Excel workbook (.xlsx). Save it again as .xlsx or as CSV.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED:
                raise FileRefused(unreadable)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or foreign file
        raise FileRefused(unreadable) from None
    try:
        worksheet = workbook.worksheets[0]
        (headers, columns, ignored), rows = _table(
            ((number, [_cell(v)[:CELL_MAX] for v in values])
             for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)), lookup)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001
        raise FileRefused(unreadable) from None
    finally:
        workbook.close()
    return Sheet(headers, columns, rows, "xlsx", "", "", ignored)
