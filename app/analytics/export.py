"""CSV and XLSX export of the dashboard charts, through the one shared export writer."""
from __future__ import annotations

from app.analytics import queries
from app.common import exports

FILTER_LABELS = (("date_from", "开始日期"), ("date_to", "结束日期"), ("region", "地区"), ("topic", "类别"))


def _filter_rows(filters: queries.Filters) -> list[list]:
    values = filters.as_dict()
    return [["中心", queries.centre_label()], *([label, values[k] or "全部"] for k, label in FILTER_LABELS)]


def _chart_tables(filters: queries.Filters, names: list[str], *, titled: bool = True):
    for name in names:
        fn, label = queries.CHARTS[name]
        headers, rows = queries.table(name, fn(filters))
        yield (label if titled else None), headers, rows


def xlsx(filters: queries.Filters, names: list[str]) -> bytes:
    sheets = [("筛选条件", ["项目", "值"], _filter_rows(filters))]
    sheets.extend(_chart_tables(filters, names))
    return exports.xlsx_bytes(sheets)


def csv_bytes(filters: queries.Filters, names: list[str]) -> bytes:
    """UTF-8 with BOM; one `# title` section per chart when there are several."""
    return exports.csv_bytes(_chart_tables(filters, names, titled=len(names) > 1))
