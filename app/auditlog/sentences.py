"""The audit log in words: each record as one Chinese sentence — who did what to which object, and
how — for the admin's page and the CSV export. Object names (application reference, staff name,
document kind) are looked up in bulk for a page of records; details are spelled out field by field,
never shown as JSON."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.audit.labels import ACTION_LABELS, OBJECT_LABELS
from app.procedure import law as procedure_law
from app.procedure.eligibility import MEANS_TEST_LABELS, RESULT_LABELS as SCREEN_RESULTS
from app.procedure.models import OBJECTION_STATUSES
from app.applications.models import Application
from app.auth.models import StaffUser
from app.documents.models import Document
from app.applications.models import STATUS_LABELS
from app.documents.models import KINDS, REJECT_REASONS
from app.callbacks.models import RESULTS
from app.common.permissions import CITIZEN, ROLE_LABELS, SYSTEM

# What each action does, as a verb phrase (the object follows). The labels of the audit vocabulary
# (ACTION_LABELS) name actions in filters; these read as sentences.
VERBS = {
    "auth.login": "登录了系统", "auth.login_failed": "登录失败", "auth.logout": "退出了系统",
    "document.view": "查看了", "document.verify": "审核通过了", "document.reject": "退回重拍了",
    "audit.export": "导出了", "analytics.export": "导出了", "application.lawyer_choice": "指派律师办理",
    "application.note": "记录了办理进展", "alert.acknowledge": "确认了", "alert.resolve": "解除了",
    "roster.update": "调整了名册中的", "home_visit.request": "登记了", "home_visit.schedule": "安排了",
    "home_visit.done": "记录完成了", "auth.staff_create": "新建了账号", "auth.staff_update": "修改了账号",
    "consultation.create": "登记了", "consultation.update": "修改了", "consultation.reveal_number": "查看了完整号码", "application.reveal_phone": "查看了完整联系电话",
    "telephony.do_not_call": "设置了勿回拨（号码）",
    "consultation.recording_view": "收听了录音", "consultation.import": "导入了", "callback.attempt": "记录了一次回访",
    "callback.satisfied": "记录群众已满意，结束了", "callback.escalated": "升级处理了",
    "supervision.sample": "抽取了", "supervision.score": "评分了",
    # after assignment (app/handling, app/subsidy)
    "lawyer_change.request": "提出了", "lawyer_change.decide": "决定了", "termination_report.create": "提交了",
    "termination_report.decide": "决定了", "closing.submit": "提交了", "closing.review": "审查了",
    "archive.create": "封存了", "archive.view": "下载了", "subsidy_batch.create": "生成了",
    "subsidy_batch.approve": "审批了", "subsidy_batch.export": "导出了",
}
TRANSITION_VERBS = {
    "submit": "提交了", "withdraw": "撤回了", "start_review": "开始审查", "approve": "批准了", "reject": "不予批准",
    "request_expedite": "申请特事特办", "approve_expedite": "批准特事特办", "deny_expedite": "驳回特事特办",
    "assign": "指派律师办理", "start_work": "开始办理", "close": "结案审查通过，结案了",
    "submit_closing": "提交了结案材料：", "return_closing": "退回补正", "change_lawyer": "更换了承办律师：",
    "archive": "归档了",
}
OBJECT_NOUNS = {
    **OBJECT_LABELS,  # every object type of the vocabulary has a Chinese name; the shorter nouns below read better
    "application": "申请", "document": "材料", "staff_user": "账号", "consultation": "来电", "callback_task": "回访任务",
    "supervision_review": "抽检来电", "supervision_sample": "抽检批次", "alert": "预警", "home_visit": "上门服务",
    "audit_log": "审计日志", "analytics": "数据分析报表", "call_import": "话单", "letter": "法律文书", "objection": "异议",
    "lawyer_change": "更换律师申请", "termination_report": "终止情形报告", "closing_file": "结案材料",
    "archive": "归档案卷", "subsidy_batch": "补贴批次",
}
# Filter labels of actions the shared vocabulary (app.audit.labels) does not name yet.
EXTRA_LABELS = {
    "consultation.create": "登记来电", "consultation.update": "修改来电", "consultation.reveal_number": "查看完整号码",
    "consultation.recording_view": "收听录音", "consultation.import": "导入话单", "callback.attempt": "记录回访",
    "callback.satisfied": "回访：群众满意", "callback.escalated": "回访：升级处理", "supervision.sample": "抽检抽样",
    "supervision.score": "抽检评分", "analytics.export": "导出数据分析",
}


def action_labels() -> dict[str, str]:
    return {**EXTRA_LABELS, **ACTION_LABELS}


ACTOR_TYPES = {CITIZEN.value: CITIZEN.label, SYSTEM: "系统", "staff": "工作人员"}
CHANNELS = {"console": "工作台", "api": "接口", "miniprogram": "小程序"}
LOGIN_FAILURES = {"invalid_credentials": "用户名或密码错误", "unauthorized": "用户名或密码错误", "locked": "账号已锁定",
                  "account_locked": "账号已锁定", "inactive": "账号已停用", "account_disabled": "账号已停用"}
DETAIL_LABELS = {
    "rows": "行数", "filters": "筛选条件", "total": "总分", "role": "角色", "calls": "来电数", "period": "周期",
    "rate": "抽样比例", "seed": "随机种子", "format": "格式", "kind": "材料", "reason": "原因", "result": "结果",
    "username": "用户名", "application_id": "申请", "lawyer_id": "律师", "fields": "字段", "inserted": "导入",
    "duplicates": "重复", "errors": "错误", "against": "异议对象", "bytes": "字节数", "charts": "图表",
    "decision": "决定", "due_date": "截止日期", "filename": "文件名", "sha256": "文件校验值", "items": "材料",
    "means_test": "经济困难审查", "number": "文书编号", "objection_id": "异议", "suggested": "系统推荐",
    "channel": "渠道", "is_active": "状态", "available": "接案状态", "from": "原", "to": "改为", "grounds": "理由依据",
    "ground": "情形", "status": "状态", "note": "说明", "due": "期限", "topic": "类别", "region": "地区",
    "callback_task_id": "回访任务", "on": "勿回拨",
}
# Values that are keys of a vocabulary, in words (per detail key)
_ITEM_LABELS = {k: label for items in [procedure_law.COMMON_ITEMS, *procedure_law.MATTER_ITEMS.values()]
                for k, label, _kind in items}
VALUE_LABELS = {
    "against": {"refusal": "不予法律援助决定", "termination": "终止法律援助决定"},
    "decision": OBJECTION_STATUSES, "means_test": MEANS_TEST_LABELS, "items": _ITEM_LABELS,
    "format": {"xlsx": "Excel", "csv": "CSV"},
    "grounds": {k: t for k, (_a, t) in procedure_law.REFUSAL_GROUNDS.items()},
}
FILTER_LABELS = {"actor": "操作人", "action": "操作", "object_type": "对象类型", "object_id": "对象ID", "ip": "IP",
                 "since": "起始日期", "until": "截止日期", "date_from": "开始日期", "date_to": "结束日期",
                 "region": "地区", "topic": "类别", "format": "格式", "page": "页码"}


class Names:
    """Bulk look-ups of the objects named on one page of records."""

    def __init__(self, rows):
        ids: dict[str, set[int]] = {}
        for r in rows:
            if r.actor_type == "staff" and r.actor_id:
                ids.setdefault("staff_user", set()).add(r.actor_id)
            if r.object_type and r.object_id and str(r.object_id).isdigit():
                ids.setdefault(r.object_type, set()).add(int(r.object_id))
            d = r.details if isinstance(r.details, dict) else {}
            for key in ("lawyer_id",):
                if isinstance(d.get(key), int):
                    ids.setdefault("staff_user", set()).add(d[key])
            for v in d.get("suggested") or []:
                if isinstance(v, int):
                    ids.setdefault("staff_user", set()).add(v)
            if isinstance(d.get("application_id"), int):
                ids.setdefault("application", set()).add(d["application_id"])
        self.staff = {u.id: u.display_name for u in db.session.scalars(
            sa.select(StaffUser).where(StaffUser.id.in_(ids.get("staff_user", ()))))} if ids.get("staff_user") else {}
        self.docs = {}
        if ids.get("document"):
            for d in db.session.scalars(sa.select(Document).where(Document.id.in_(ids["document"]))):
                self.docs[d.id] = d
                ids.setdefault("application", set()).add(d.application_id)
        self.apps = dict(db.session.execute(sa.select(Application.id, Application.reference).where(
            Application.id.in_(ids.get("application", ())))).all()) if ids.get("application") else {}

    def staff_name(self, sid) -> str:
        return self.staff.get(sid, f"#{sid}")

    def application(self, aid) -> str:
        ref = self.apps.get(aid)
        return f"申请 {ref}" if ref else f"申请 #{aid}"


def actor(r, names: Names | None = None) -> str:
    if r.actor_type == "staff" or (r.actor_name and r.actor_type not in (CITIZEN, SYSTEM)):
        known = names.staff.get(r.actor_id) if names and r.actor_id else None
        if known and r.actor_name and r.actor_name != known:
            return f"{known}（{r.actor_name}）"  # name, and the username the record was written under
        return known or r.actor_name or f"工作人员 #{r.actor_id}"
    base = ACTOR_TYPES.get(r.actor_type, r.actor_type or "系统")
    return f"{base} #{r.actor_id}" if r.actor_id else base


def obj(r, names: Names) -> str:
    t, oid = r.object_type, r.object_id
    if not t:
        return ""
    oid_int = int(oid) if oid and str(oid).isdigit() else None
    if t == "application" and oid_int:
        return names.application(oid_int)
    if t == "document" and oid_int:
        d = names.docs.get(oid_int)
        return f"{names.application(d.application_id)} 的{d.kind_label}" if d else f"材料 #{oid}"
    if t == "staff_user" and oid_int:
        return f"账号「{names.staff_name(oid_int)}」"
    noun = OBJECT_NOUNS.get(t, t)
    return f"{noun} #{oid}" if oid else noun


def _value(v, key: str | None = None) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (list, tuple)):
        return "、".join(_value(x, key) for x in v) or "无"
    if isinstance(v, str) and key in VALUE_LABELS:
        return VALUE_LABELS[key].get(v, v)
    if isinstance(v, dict):
        return "，".join(f"{FILTER_LABELS.get(k, DETAIL_LABELS.get(k, k))} {_value(x)}" for k, x in v.items()) or "无"
    return "" if v is None else str(v)


def how(r, names: Names) -> str:
    """The record's details in words."""
    d = dict(r.details) if isinstance(r.details, dict) else ({} if r.details in (None, "") else {"详情": r.details})
    parts = []
    if "from" in d and "to" in d and not r.action.startswith("application.eligibility"):
        parts.append(f"状态 {STATUS_LABELS.get(d.pop('from'), '—')} → {STATUS_LABELS.get(d.pop('to'), '—')}")
    if "lawyer_id" in d:
        lawyer = d.pop("lawyer_id")
        suggested = d.pop("suggested", None) or []
        text = f"律师 {names.staff_name(lawyer)}"
        if suggested:
            text += "（按系统推荐）" if suggested[0] == lawyer else f"（调整了系统推荐的 {names.staff_name(suggested[0])}）"
        parts.append(text)
    if "channel" in d:
        parts.append(f"通过{CHANNELS.get(d.pop('channel'), '其他渠道')}")
    if r.action == "auth.login_failed":
        if d.get("username"):
            parts.append(f"用户名 {d.pop('username')}")
        if d.get("reason"):
            parts.append(LOGIN_FAILURES.get(d.pop("reason"), "原因未知"))
    if r.action == "document.reject" and d.get("reason"):
        parts.append(f"原因：{REJECT_REASONS.get(d.pop('reason'), '其他')}")
    if r.action == "callback.attempt" and d.get("result"):
        parts.append(RESULTS.get(d.pop("result"), "其他"))
    if r.action in ("application.eligibility_screen", "application.eligibility_override"):
        for key in ("result", "from", "to"):
            if isinstance(d.get(key), str) and d[key] in SCREEN_RESULTS:
                d[key] = SCREEN_RESULTS[d[key]]
        if "from" in d and "to" in d:
            parts.append(f"{d.pop('from')} → {d.pop('to')}")
    if "kind" in d:
        parts.append(f"材料 {KINDS.get(d.pop('kind'), '其他')}")
    if "application_id" in d and isinstance(d["application_id"], int):
        parts.append(names.application(d.pop("application_id")))
    if "available" in d:
        parts.append("设为可接案" if d.pop("available") else "设为暂停接案")
    if "is_active" in d:
        parts.append("启用" if d.pop("is_active") else "停用")
    if "role" in d:
        parts.append(f"角色 {ROLE_LABELS.get(d.pop('role'), '其他')}")
    if "total" in d:
        parts.append(f"总分 {d.pop('total')}")
    if "rows" in d:
        parts.append(f"共 {d.pop('rows')} 行")
    for key, value in d.items():
        if value in (None, "", [], {}):
            continue
        parts.append(f"{DETAIL_LABELS.get(key, FILTER_LABELS.get(key, '其他'))} {_value(value, key)}")
    return "；".join(parts)


def sentence(r, names: Names, labels: dict | None = None) -> str:
    """"陈主任 指派律师办理 申请 FY2026…：律师 李援助（按系统推荐）"."""
    who = actor(r, names)
    if r.action.startswith("application.") and r.action[len("application."):] in TRANSITION_VERBS:
        verb = TRANSITION_VERBS[r.action[len("application."):]]
    else:
        verb = VERBS.get(r.action) or (labels or action_labels()).get(r.action) or "操作了"
    target = obj(r, names)
    if r.action in ("auth.login", "auth.logout", "auth.login_failed"):
        target = ""
    if r.action == "auth.login_failed" and r.actor_type != "staff":
        # nobody is logged in yet: the sentence names the username that was tried
        tried = (r.details or {}).get("username") if isinstance(r.details, dict) else None
        r_details = {k: v for k, v in (r.details or {}).items() if k != "username"} if isinstance(r.details, dict) else r.details
        extra = how(_Shadow(r, r_details), names)
        who = f"用户名「{tried}」" if tried else "未登录的访问者"
        return f"{who} 登录失败" + (f"（{extra}）" if extra else "")
    extra = how(r, names)
    text = " ".join(p for p in (who, verb.strip(), target) if p)
    return text + (f"（{extra}）" if extra else "")


class _Shadow:
    """A record with other details (to word a record without one of its fields)."""

    def __init__(self, r, details):
        self._r, self.details = r, details

    def __getattr__(self, name):
        return getattr(self._r, name)
