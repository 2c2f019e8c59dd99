"""Dashboard queries. Call figures come from the rollup tables (never a scan of the calls table);
ratings, SLA and repeat-caller figures come from their own small tables.

Each chart is a function (filters) -> JSON-ready dict, plus `table(name, result)` -> (headers, rows)
for the CSV/XLSX export. Filters: local date range, region (prefix: "湖北省" or "湖北省武汉市"), topic.
Centres (issue 19): the rollups are Core tables, out of reach of the ORM scope (app/centres/scope.py), so
every rollup query adds `_centre(t)`: the caller's centres' rows (a city-level role: all of them, summed,
or the one of `?centre=`). Ratings are counted for the calls and applications the caller may see.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from app.centres.scope import visible_centre_ids
from app.consultations.phones import PROVINCE_RE, is_province, region_cond
from app.consultations.rollup_models import HOURS, ROLLUPS
from app.common.timeutil import LOCAL_TZ, UTC, local_today
from app.extensions import db
from app.consultations.rollups import answer_target_seconds
from app.auth.models import StaffUser
from app.applications.models import Application
from app.consultations.models import Consultation
from app.callbacks.models import CallbackTask
from app.ratings.models import Rating
from app.common.timeutil import utcnow
from app.applications import sla as rules
from app.consultations.models import RepeatCallerEpisode as E

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    region: str | None = None
    topic: str | None = None

    @classmethod
    def make(cls, date_from=None, date_to=None, region=None, topic=None):
        date_to = date_to or local_today()
        date_from = date_from or (date_to - dt.timedelta(days=29))
        return cls(date_from, date_to, (region or "").strip() or None, (topic or "").strip() or None)

    def as_dict(self):
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                "region": self.region, "topic": self.topic}

    @property
    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(self.date_from, dt.time(0), LOCAL_TZ).astimezone(UTC)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(0), LOCAL_TZ).astimezone(UTC)
        return start, end


def _table(region: bool, topic: bool) -> sa.Table:
    if region and topic:
        return ROLLUPS["region_topic"]
    if region:
        return ROLLUPS["region"]
    if topic:
        return ROLLUPS["topic"]
    return ROLLUPS["day"]


def _centre(t):
    """The rows of the centres the caller sees (no condition for all of them)."""
    ids = visible_centre_ids()
    return sa.true() if ids is None else t.c.centre_id.in_(ids)


def centre_label() -> str:
    """Whose figures these are: the caller's centre(s), or all centres (city level without a filter)."""
    ids = visible_centre_ids()
    if ids is None:
        return "全部中心"
    t = db.metadata.tables["centres"]
    return "、".join(db.session.scalars(sa.select(t.c.name).where(t.c.id.in_(ids)).order_by(t.c.id))) or "—"


def _source(f: Filters, *, by_region=False, by_topic=False):
    """(table, where-clause) for a query that groups by region/topic (if asked) under the filters."""
    t = _table(by_region or bool(f.region), by_topic or bool(f.topic))
    cond = [t.c.day >= f.date_from, t.c.day <= f.date_to, _centre(t)]
    if f.region:
        cond.append(region_cond(t.c.region, t.c.province, f.region))
    if f.topic:
        cond.append(t.c.topic == f.topic)
    return t, sa.and_(*cond)


def _sum(col):
    return sa.func.coalesce(sa.func.sum(col), 0)


def _int(v) -> int:
    return int(v or 0)


def _ratio(a, b, nd=4):
    return round(a / b, nd) if b else None


def _kpis(calls, answered, within, wait_sum, dur_sum) -> dict:
    calls, answered, within, wait_sum, dur_sum = map(_int, (calls, answered, within, wait_sum, dur_sum))
    return {"calls": calls, "answered": answered, "missed": calls - answered,
            "answer_rate": _ratio(answered, calls), "answered_within_target": within,
            "share_within_target": _ratio(within, answered),
            "avg_answer_seconds": _ratio(wait_sum, answered, 2), "avg_duration_seconds": _ratio(dur_sum, answered, 1)}


def _measure_cols(t):
    return [_sum(t.c.calls), _sum(t.c.answered), _sum(t.c.answered_3s), _sum(t.c.wait_sum), _sum(t.c.duration_sum)]


# --------------------------------------------------------------------------- charts
def overview(f: Filters) -> dict:
    t, where = _source(f)
    row = db.session.execute(sa.select(*_measure_cols(t)).where(where)).one()
    return {"filters": f.as_dict(), **_kpis(*row)}


def _full_months(f: Filters) -> tuple[dt.date, dt.date] | None:
    """(first, last) month start of the calendar months wholly inside the range, or None."""
    first = f.date_from if f.date_from.day == 1 else (f.date_from.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = f.date_to + dt.timedelta(days=1)
    last = (after.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # start of the last full month
    return (first, last) if first <= last else None


def _region_rows(f: Filters) -> list[tuple]:
    """(region, calls, answered) under the filters. Without a topic filter, whole months come from the
    month x region rollup and only the partial months at the edges from the daily one."""
    months = None if f.topic else _full_months(f)
    if months is None:
        return _region_rows_daily(f)
    first, last = months
    t = ROLLUPS["region_month"]
    cond = [t.c.day >= first, t.c.day <= last, _centre(t)]
    if f.region:
        cond.append(region_cond(t.c.region, t.c.province, f.region))
    parts = [db.session.execute(sa.select(t.c.region, _sum(t.c.calls), _sum(t.c.answered))
                                .where(*cond).group_by(t.c.region)).all()]
    end_of_last = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    for lo, hi in ((f.date_from, first - dt.timedelta(days=1)), (end_of_last, f.date_to)):
        if lo <= hi:
            parts.append(_region_rows_daily(Filters(lo, hi, f.region)))
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rows in parts:
        for region, n, a in rows:
            acc[region][0] += _int(n)
            acc[region][1] += _int(a)
    return [(r, n, a) for r, (n, a) in acc.items()]


def _region_rows_daily(f: Filters) -> list[tuple]:
    t, where = _source(f, by_region=True)
    return db.session.execute(sa.select(t.c.region, _sum(t.c.calls), _sum(t.c.answered))
                              .where(where).group_by(t.c.region)).all()


def regions(f: Filters, limit: int = 30) -> dict:
    rows = sorted(_region_rows(f), key=lambda r: (-_int(r[1]), r[0]))
    provinces: dict[str, int] = defaultdict(int)
    for region, n, _ in rows:
        m = PROVINCE_RE.match(region)
        provinces[m.group(1) if m else region] += _int(n)
    top = [{"region": r, "calls": _int(n), "answered": _int(a)} for r, n, a in rows[:limit]]
    rest = sum(_int(n) for _, n, _ in rows[limit:])
    if rest:
        top.append({"region": "其他地区", "calls": rest, "answered": sum(_int(a) for _, _, a in rows[limit:])})
    return {"filters": f.as_dict(), "regions": top,
            "provinces": [{"province": p, "calls": n} for p, n in sorted(provinces.items(), key=lambda x: -x[1])]}


def heatmap(f: Filters) -> dict:
    """Calls by local weekday (Mon..Sun) x local hour (0..23), Asia/Shanghai."""
    t, where = _source(f)
    rows = db.session.execute(sa.select(t.c.dow, *[_sum(t.c[h]) for h in HOURS]).where(where).group_by(t.c.dow)).all()
    matrix = [[0] * 24 for _ in range(7)]
    for row in rows:
        matrix[int(row[0]) - 1] = [_int(v) for v in row[1:]]
    peak = max(((d, h) for d in range(7) for h in range(24)), key=lambda p: matrix[p[0]][p[1]])
    return {"filters": f.as_dict(), "timezone": "Asia/Shanghai", "weekdays": WEEKDAYS, "hours": list(range(24)),
            "matrix": matrix, "by_hour": [sum(matrix[d][h] for d in range(7)) for h in range(24)],
            "peak": {"weekday": WEEKDAYS[peak[0]], "hour": peak[1], "calls": matrix[peak[0]][peak[1]]}}


def durations(f: Filters) -> dict:
    """Daily average talk time and answer time, share answered within the target (3 s)."""
    t, where = _source(f)
    rows = db.session.execute(sa.select(t.c.day, *_measure_cols(t)).where(where).group_by(t.c.day).order_by(t.c.day)).all()
    series = [{"day": d.isoformat(), **_kpis(*m)} for d, *m in rows]
    total = _kpis(*[sum(_int(r[i]) for r in rows) for i in range(1, 6)])
    return {"filters": f.as_dict(), "target_seconds": answer_target_seconds(), "total": total, "series": series}


def topics(f: Filters) -> dict:
    t, where = _source(f, by_topic=True)
    share = db.session.execute(sa.select(t.c.topic, _sum(t.c.calls).label("n")).where(where)
                               .group_by(t.c.topic).order_by(sa.desc("n"), t.c.topic)).all()
    total = sum(_int(n) for _, n in share)
    weekly = db.session.execute(sa.select(t.c.week, t.c.topic, _sum(t.c.calls)).where(where)
                                .group_by(t.c.week, t.c.topic).order_by(t.c.week)).all()
    weeks = sorted({w for w, _, _ in weekly})
    names = [tp for tp, _ in share]
    grid = {(w, tp): _int(n) for w, tp, n in weekly}
    return {"filters": f.as_dict(), "total": total,
            "share": [{"topic": tp, "calls": _int(n), "share": _ratio(_int(n), total)} for tp, n in share],
            "weekly": {"weeks": [w.isoformat() for w in weeks], "coverage": [week_coverage(w, f) for w in weeks],
                       "series": [{"topic": tp, "calls": [grid.get((w, tp), 0) for w in weeks]} for tp in names]}}


def week_coverage(monday: dt.date, f: Filters) -> dict:
    """How much of an ISO week (Monday `monday`) the range covers: a first or last week cut by the range is
    partial, so a chart can mark it instead of showing a drop (3 days of calls next to full weeks)."""
    first, last = max(monday, f.date_from), min(monday + dt.timedelta(days=6), f.date_to)
    days = max((last - first).days + 1, 0)
    return {"week": monday.isoformat(), "from": first.isoformat(), "to": last.isoformat(), "days": days,
            "partial": days < 7}


def rising_topics(f: Filters, min_support: int = 10) -> dict:
    """Week over week: the 7 days ending date_to against the 7 days before; topics with at least
    `min_support` calls this week, ordered by growth."""
    cur_start = f.date_to - dt.timedelta(days=6)
    prev_start = f.date_to - dt.timedelta(days=13)
    ff = Filters(prev_start, f.date_to, f.region, f.topic)
    t, where = _source(ff, by_topic=True)
    is_cur = t.c.day >= cur_start
    rows = db.session.execute(sa.select(t.c.topic, _sum(sa.case((is_cur, t.c.calls), else_=0)),
                                        _sum(sa.case((is_cur, 0), else_=t.c.calls))).where(where).group_by(t.c.topic)).all()
    items = []
    for topic, cur, prev in rows:
        cur, prev = _int(cur), _int(prev)
        growth = None if prev == 0 else round((cur - prev) / prev, 4)
        items.append({"topic": topic, "this_week": cur, "last_week": prev, "change": cur - prev, "growth": growth,
                      "rising": cur >= min_support and cur > prev})
    items.sort(key=lambda i: (not i["rising"], -(i["growth"] if i["growth"] is not None else 1e9), -i["this_week"]))
    return {"filters": f.as_dict(), "min_support": min_support,
            "this_week": [cur_start.isoformat(), f.date_to.isoformat()],
            "last_week": [prev_start.isoformat(), (cur_start - dt.timedelta(days=1)).isoformat()],
            "topics": items, "rising": [i for i in items if i["rising"]]}


def workload(f: Filters) -> dict:
    if f.region:  # day x lawyer x region (x topic) rollups, indexed by region/province
        t = ROLLUPS["lawyer_region_topic" if f.topic else "lawyer_region"]
        cond = [t.c.day >= f.date_from, t.c.day <= f.date_to, region_cond(t.c.region, t.c.province, f.region)]
    else:
        t = ROLLUPS["lawyer" if f.topic else "lawyer_day"]
        cond = [t.c.day >= f.date_from, t.c.day <= f.date_to]
    cond.append(_centre(t))
    if f.topic:
        cond.append(t.c.topic == f.topic)
    stmt = sa.select(t.c.lawyer_id, *_measure_cols(t)).where(*cond).group_by(t.c.lawyer_id)
    rows = db.session.execute(stmt).all()
    ids = [r[0] for r in rows if r[0]]
    names = dict(db.session.execute(sa.select(StaffUser.id, sa.func.coalesce(
        sa.func.nullif(StaffUser.full_name, ""), StaffUser.username)).where(StaffUser.id.in_(ids))).all()) if ids else {}
    lawyers = []
    for lid, *m in rows:
        k = _kpis(*m)
        lawyers.append({"lawyer_id": lid or None, "lawyer_name": names.get(lid, "未分配（未接通）") if lid else "未分配（未接通）",
                        "calls": k["calls"], "answered": k["answered"],
                        "talk_minutes": round(_int(m[4]) / 60, 1), "avg_duration_seconds": k["avg_duration_seconds"],
                        "share_within_target": k["share_within_target"]})
    lawyers.sort(key=lambda x: (-x["calls"], x["lawyer_name"]))
    return {"filters": f.as_dict(), "lawyers": lawyers}


def satisfaction(f: Filters) -> dict:
    start, end = f.utc_bounds
    r = Rating
    stmt = (sa.select(r.stars, r.created_at, r.subject_type)
            .where(r.created_at >= start, r.created_at < end, r.round == 0))
    if f.region or f.topic:
        # only ratings whose subject matches: calls by region/topic, applications by category (topic)
        conds = []
        ccond = [Consultation.id == r.subject_id]
        if f.region:
            ccond.append(region_cond(Consultation.region, Consultation.province, f.region))
        if f.topic:
            ccond.append(Consultation.topic == f.topic)
        conds.append(sa.and_(r.subject_type == "consultation", sa.exists().where(*ccond)))
        if not f.region:
            conds.append(sa.and_(r.subject_type == "application", sa.exists().where(
                Application.id == r.subject_id, Application.category == f.topic)))
        stmt = stmt.where(sa.or_(*conds))
    ids = visible_centre_ids()
    if ids is not None:  # the ratings of the caller's centres' calls and applications
        stmt = stmt.where(sa.or_(
            sa.and_(r.subject_type == "consultation", r.subject_id.in_(
                sa.select(Consultation.id).where(Consultation.centre_id.in_(ids)))),
            sa.and_(r.subject_type == "application", r.subject_id.in_(
                sa.select(Application.id).where(Application.centre_id.in_(ids))))))
    rows = db.session.execute(stmt).all()
    dist = [0] * 5
    weekly: dict[dt.date, list[int]] = defaultdict(list)
    by_subject: dict[str, list[int]] = defaultdict(list)
    for stars, created, subject in rows:
        dist[stars - 1] += 1
        d = created.astimezone(LOCAL_TZ).date()
        weekly[d - dt.timedelta(days=d.weekday())].append(stars)
        by_subject[subject].append(stars)
    n = len(rows)
    open_cb = db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask).where(CallbackTask.status == "open"))
    overdue_cb = db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask).where(
        CallbackTask.status == "open", CallbackTask.due_at < utcnow()))
    return {"filters": f.as_dict(), "ratings": n,
            "avg_stars": _ratio(sum(s * (i + 1) for i, s in enumerate(dist)), n, 2),
            "share_satisfied": _ratio(dist[3] + dist[4], n), "share_bad": _ratio(dist[0] + dist[1], n),
            "distribution": [{"stars": i + 1, "count": c} for i, c in enumerate(dist)],
            "by_subject": {k: {"ratings": len(v), "avg_stars": _ratio(sum(v), len(v), 2)} for k, v in by_subject.items()},
            "weekly": [{"week": w.isoformat(), "ratings": len(v), "avg_stars": _ratio(sum(v), len(v), 2)}
                       for w, v in sorted(weekly.items())],
            "callbacks": {"open": open_cb, "overdue": overdue_cb}}


def sla(f: Filters) -> dict:
    """First contact (call, else submission) -> lawyer assigned, for cases first contacted in the range:
    the one definition in app.applications.sla.compliance (a case still waiting past its target counts as late)."""
    start, end = f.utc_bounds
    c = rules.compliance(start, end, category=f.topic)
    return {"filters": f.as_dict(), "note": "地区筛选不适用于申请时限统计",
            "cases": c["total"], "within_target": c["within"], "compliance": c["share"],
            "breached_waiting": c["breached_waiting"], "waiting": c["waiting"],
            "median_minutes": c["median_minutes"], "targets": rules.targets()}


def repeat_callers(f: Filters, limit: int = 20) -> dict:
    start, end = f.utc_bounds
    cond = [E.last_call_at >= start, E.first_call_at < end]
    if f.region:
        cond.append(E.region.startswith(f.region, autoescape=True) if is_province(f.region) else E.region == f.region)
    if f.topic:
        cond.append(E.topic == f.topic)
    rows = db.session.execute(sa.select(E, CallbackTask.status).outerjoin(
        CallbackTask, CallbackTask.id == E.callback_task_id).where(*cond).order_by(E.last_call_at.desc())).all()
    weekly: dict[dt.date, int] = defaultdict(int)
    for e, _ in rows:
        d = e.first_call_at.astimezone(LOCAL_TZ).date()
        weekly[d - dt.timedelta(days=d.weekday())] += 1
    return {"filters": f.as_dict(), "episodes": len(rows), "callers": len({e.caller_hash for e, _ in rows}),
            "calls": sum(e.call_count for e, _ in rows),
            "weekly": [{"week": w.isoformat(), "episodes": n} for w, n in sorted(weekly.items())],
            "recent": [{"episode_id": e.id, "caller": e.caller_masked, "calls": e.call_count, "region": e.region,
                        "topic": e.topic, "first_call_at": e.first_call_at.isoformat(),
                        "last_call_at": e.last_call_at.isoformat(), "callback_status": st}
                       for e, st in rows[:limit]]}


CHARTS = {
    "overview": (overview, "总体指标"),
    "regions": (regions, "来电地区"),
    "heatmap": (heatmap, "时段分布"),
    "durations": (durations, "通话与应答时长"),
    "topics": (topics, "咨询类别"),
    "rising-topics": (rising_topics, "上升类别"),
    "satisfaction": (satisfaction, "满意度"),
    "sla": (sla, "指派时限达标"),
    "repeat-callers": (repeat_callers, "重复来电"),
    "workload": (workload, "律师工作量"),
}


def table(name: str, r: dict) -> tuple[list[str], list[list]]:
    """A chart's result as one flat table for CSV/XLSX."""
    if name == "overview":
        keys = ["calls", "answered", "missed", "answer_rate", "answered_within_target", "share_within_target",
                "avg_answer_seconds", "avg_duration_seconds"]
        return ["指标", "数值"], [[k, r[k]] for k in keys]
    if name == "regions":
        return ["地区", "来电量", "接通量"], [[x["region"], x["calls"], x["answered"]] for x in r["regions"]]
    if name == "heatmap":
        return ["星期", *[f"{h}时" for h in range(24)]], [[WEEKDAYS[d], *r["matrix"][d]] for d in range(7)]
    if name == "durations":
        return (["日期", "来电量", "接通量", "平均应答秒数", "3秒内接通占比", "平均通话秒数"],
                [[s["day"], s["calls"], s["answered"], s["avg_answer_seconds"], s["share_within_target"],
                  s["avg_duration_seconds"]] for s in r["series"]])
    if name == "topics":
        weeks = r["weekly"]["weeks"]
        share = {x["topic"]: x for x in r["share"]}
        return (["类别", "来电量", "占比", *weeks],
                [[s["topic"], share[s["topic"]]["calls"], share[s["topic"]]["share"], *s["calls"]]
                 for s in r["weekly"]["series"]])
    if name == "rising-topics":
        return (["类别", "本周", "上周", "变化", "增长率", "上升"],
                [[x["topic"], x["this_week"], x["last_week"], x["change"], x["growth"], "是" if x["rising"] else ""]
                 for x in r["topics"]])
    if name == "satisfaction":
        return (["星级", "评价数"], [[d["stars"], d["count"]] for d in r["distribution"]] +
                [["平均星级", r["avg_stars"]], ["满意占比（4星及以上）", r["share_satisfied"]]])
    if name == "sla":
        return (["指标", "数值"], [["有时限要求的已指派案件", r["cases"]], ["时限内指派", r["within_target"]],
                                  ["达标率", r["compliance"]], ["指派用时中位数（分钟）", r["median_minutes"]]])
    if name == "repeat-callers":
        return (["号码", "来电次数", "地区", "类别", "首次来电", "最近来电", "回访状态"],
                [[x["caller"], x["calls"], x["region"], x["topic"], x["first_call_at"], x["last_call_at"],
                  x["callback_status"]] for x in r["recent"]])
    if name == "workload":
        return (["律师", "来电量", "接通量", "通话分钟", "平均通话秒数", "3秒内接通占比"],
                [[x["lawyer_name"], x["calls"], x["answered"], x["talk_minutes"], x["avg_duration_seconds"],
                  x["share_within_target"]] for x in r["lawyers"]])
    raise KeyError(name)
