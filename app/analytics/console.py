"""Console pages of the analytics domain: the dashboard (ECharts, vendored) and its export.

The console session cookie is scoped to /console, so the dashboard's JSON comes from
/console/dashboard/data/<chart>: the same query functions as /api/v1/analytics/<chart>."""
from __future__ import annotations

from flask import jsonify, render_template, request

from app import errors
from app.analytics import queries
from app.centres.scope import centre_filter
from app.analytics.routes import ExportArgs, FilterArgs, export_response, filters_from, run_chart
from app.console import add_nav, bp, console_required, form_args, me
from app.common.permissions import P
from app.consultations import regions
from app.consultations.topics import TOPICS


add_nav(80, "console.dashboard", "数据分析", P.view_analytics)


def _query(schema_cls) -> dict:
    return form_args(schema_cls, request.args, ignore=(), message="筛选条件有误")


@bp.route("/dashboard")
@console_required(P.view_analytics)
def dashboard():
    """A bad filter (an inverted date range …) keeps the page and what was chosen, with the message at its
    field; the charts wait for a valid query instead of the page being replaced by an error."""
    try:
        args = _query(FilterArgs)
    except errors.ValidationFailed as exc:
        fields = (exc.details or {}).get("fields") or {}
        values = {k: (request.args.get(k) or "")[:32] for k in ("date_from", "date_to", "region", "topic", "min_support")}
        return render_template("analytics/dashboard.html", f=None, values=values, topics=TOPICS, charts=queries.CHARTS,
                               regions=regions.choices(), centre=centre_filter(), field_errors={k: "；".join(v) if isinstance(v, list) else str(v)
                                                                      for k, v in fields.items()}), 422
    f = filters_from(args)
    values = {"date_from": f.date_from.isoformat(), "date_to": f.date_to.isoformat(), "region": f.region or "",
              "topic": f.topic or "", "min_support": args.get("min_support", 10)}
    return render_template("analytics/dashboard.html", f=f, values=values, topics=TOPICS, charts=queries.CHARTS,
                           regions=regions.choices(), centre=centre_filter(), field_errors={})


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


