import datetime as dt

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.analytics import export, queries
from app.consultations.rollup_models import NO_TOPIC
from app.audit import record as audit
from app.auth.guards import staff_required
from app.common.permissions import P
from app.common import exports, openapi
from app.consultations.topics import TOPICS
from app.extensions import db

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics", description="大数据分析")


class FilterArgs(ma.Schema):
    date_from = fields.Date(metadata={"description": "开始日期（本地时间，默认结束日期前29天）"})
    date_to = fields.Date(metadata={"description": "结束日期（默认今天）"})
    region = fields.String(validate=validate.Length(max=32), metadata={"description": "地区，如 湖北省 或 湖北省武汉市"})
    topic = fields.String(validate=validate.OneOf((*TOPICS, NO_TOPIC)))
    min_support = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1_000_000))
    # read by the centre scope (app/centres/scope.py), not by the queries: a city-level role's centre filter
    centre = fields.String(validate=validate.Length(max=16), metadata={"description": "中心编码（市级角色按中心筛选）"})

    @ma.validates_schema
    def _range(self, data, **kwargs):
        f, t = data.get("date_from"), data.get("date_to")
        if f and t and f > t:
            raise ma.ValidationError("开始日期不能晚于结束日期", "date_from")
        if f and t and (t - f).days > queries.MAX_RANGE_DAYS:
            raise ma.ValidationError("日期范围过大（最多三年）", "date_from")


class ExportArgs(FilterArgs):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))
    chart = fields.String(load_default="all", validate=validate.OneOf(("all", *queries.CHARTS)))


def filters_from(args) -> queries.Filters:
    f = queries.Filters.make(args.get("date_from"), args.get("date_to"), args.get("region"), args.get("topic"))
    if (f.date_to - f.date_from).days > queries.MAX_RANGE_DAYS:
        f = queries.Filters(f.date_to - dt.timedelta(days=queries.MAX_RANGE_DAYS), f.date_to, f.region, f.topic)
    return f


def run_chart(name: str, args: dict) -> dict:
    fn, _ = queries.CHARTS[name]
    f = filters_from(args)
    if name == "rising-topics":
        return fn(f, min_support=args.get("min_support", 10))
    return fn(f)


def _make_view(name: str, label: str):
    @staff_required(P.view_analytics)
    @blp.arguments(FilterArgs, location="query")
    @blp.doc(**openapi.json_object(label))
    def view(args):
        return run_chart(name, args)
    view.__name__ = "chart_" + name.replace("-", "_")
    view.__doc__ = f"{label}（筛选：日期范围、地区、类别）"
    return view


for _name, (_fn, _label) in queries.CHARTS.items():
    blp.route(f"/{_name}", endpoint="chart_" + _name.replace("-", "_"))(_make_view(_name, _label))


@blp.route("/export")
@staff_required(P.export_data)
@blp.arguments(ExportArgs, location="query")
@blp.doc(**openapi.download(exports.XLSX_MIMETYPE, "text/csv"))
def export_charts(args):
    """导出图表数据（XLSX：每个图表一个工作表；CSV：UTF-8 带 BOM）；每次导出记入审计日志"""
    return export_response(g.staff, args)


def export_response(actor, args: dict):
    f = filters_from(args)
    names = list(queries.CHARTS) if args["chart"] == "all" else [args["chart"]]
    body = export.xlsx(f, names) if args["format"] == "xlsx" else export.csv_bytes(f, names)
    audit("analytics.export", actor=actor, object_type="analytics", object_id=args["chart"],
          details={"format": args["format"], "charts": names, "filters": f.as_dict(), "bytes": len(body),
                   "centre": queries.centre_label()})
    db.session.commit()
    filename = f"热线分析_{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.{args['format']}"
    return exports.download(body, args["format"], f"hotline-analytics.{args['format']}", filename)
