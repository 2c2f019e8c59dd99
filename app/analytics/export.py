"""CSV and XLSX export of the dashboard charts."""
from __future__ import annotations

import csv
import io

from app.analytics import queries

SHEET_TITLE_MAX = 31


def xlsx(filters: queries.Filters, names: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "筛选条件"
    ws.append(["项目", "值"])
    for k, label in (("date_from", "开始日期"), ("date_to", "结束日期"), ("region", "地区"), ("topic", "类别")):
        ws.append([label, filters.as_dict()[k] or "全部"])
    ws["A1"].font = ws["B1"].font = Font(bold=True)
    for name in names:
        fn, label = queries.CHARTS[name]
        headers, rows = queries.table(name, fn(filters))
        sheet = wb.create_sheet(label[:SHEET_TITLE_MAX])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(filters: queries.Filters, names: list[str]) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it correctly; one section per chart."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for i, name in enumerate(names):
        fn, label = queries.CHARTS[name]
        headers, rows = queries.table(name, fn(filters))
        if len(names) > 1:
            if i:
                w.writerow([])
            w.writerow([f"# {label}"])
        w.writerow(headers)
        w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
