"""Console pages of the analytics domain: the dashboard (ECharts, vendored) and its export.

The console session cookie is scoped to /console, so the dashboard's JSON comes from
/console/dashboard/data/<chart>: the same query functions as /api/v1/analytics/<chart>."""
from __future__ import annotations

from flask import jsonify, render_template, request

from app import errors
from app.analytics import queries
from app.analytics.routes import ExportArgs, FilterArgs, export_response, filters_from, run_chart
from app.console import add_nav, bp, console_required, form_args, me
from app.common.permissions import P
from app.consultations.topics import TOPICS


add_nav(80, "console.dashboard", "数据分析", P.view_analytics)


def _query(schema_cls) -> dict:
    return form_args(schema_cls, request.args, ignore=(), message="筛选条件有误")


@bp.route("/dashboard")
@console_required(P.view_analytics)
def dashboard():
    args = _query(FilterArgs)
    f = filters_from(args)
    return render_template("analytics/dashboard.html", f=f, topics=TOPICS, charts=queries.CHARTS,
                           min_support=args.get("min_support", 10))


@bp.route("/dashboard/data/<chart>")
@console_required(P.view_analytics)
def dashboard_data(chart):
    if chart not in queries.CHARTS:
        raise errors.NotFound("未找到该图表")
    return jsonify(run_chart(chart, _query(FilterArgs)))


@bp.route("/dashboard/export")
@console_required(P.export_data)
def dashboard_export():
    return export_response(me(), _query(ExportArgs))  # audited like the API export


