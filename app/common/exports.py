"""The one writer of every CSV and XLSX download (analytics, audit log, workload, any other).

Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
a formula (OWASP "CSV injection"). Every text cell — data and echoed filter values alike — that
starts with one of them gets a leading apostrophe, so it is shown as typed and never evaluated.
In XLSX every text cell is also written with the string type, never as a formula; numbers stay
numbers (a number cannot be a formula)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31

Row = Sequence[object]


def neutralise(value: object) -> object:
    """A cell value safe for a spreadsheet. Numbers, dates and None pass through; text is made inert."""
    if value is None or isinstance(value, (bool, int, float, dt.date, dt.datetime)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def csv_bytes(sections: Iterable[tuple[str | None, Row, Iterable[Row]]]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel on Chinese Windows opens it correctly). `sections` are
    (title or None, headers, rows); a titled section starts with a `# title` line."""
    buf = io.StringIO()
    w = csv.writer(buf)
    first = True
    for title, headers, rows in sections:
        if not first:
            w.writerow([])
        first = False
        if title:
            w.writerow([neutralise(f"# {title}")])
        w.writerow([_csv_cell(h) for h in headers])
        for row in rows:
            w.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_cell(value: object) -> object:
    value = neutralise(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def xlsx_bytes(sheets: Iterable[tuple[str, Row, Iterable[Row]]]) -> bytes:
    """An XLSX workbook, one sheet per (title, headers, rows); bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, headers, rows in sheets:
        ws = wb.create_sheet(_sheet_title(title, used))
        _append(ws, headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append(ws, row)
        ws.column_dimensions["A"].width = 18
    if not wb.sheetnames:
        wb.create_sheet("空")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _append(ws, row: Row) -> None:
    r = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for c, value in enumerate(row, start=1):
        value = neutralise(value)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)  # Excel has no time zones
        if isinstance(value, str):
            value = _ILLEGAL_XML.sub("\ufffd", value)  # control characters XLSX (XML) cannot hold
        cell = ws.cell(row=r, column=c)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula


def _sheet_title(title: str, used: set[str]) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\ and not starting with a quote
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'") or "Sheet"
    base = clean[:SHEET_TITLE_MAX]
    name, n = base, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[:SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def download(body: bytes, fmt: str, ascii_name: str, display_name: str | None = None):
    """A Flask response that downloads `body` as an attachment (RFC 5987 name for Chinese titles)."""
    from urllib.parse import quote

    from flask import Response
    mimetype = XLSX_MIMETYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    resp = Response(body, mimetype=mimetype)
    disposition = f"attachment; filename={ascii_name}"
    if display_name:
        disposition += f"; filename*=UTF-8''{quote(display_name)}"
    resp.headers["Content-Disposition"] = disposition
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
