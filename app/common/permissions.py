"""Who may do what, declared once (Netflix/dispatch's `auth/permissions.py` is the model).
It lives in app/common because every layer reads it: the console's plumbing, the audit log and the
idempotency keys (which tell a citizen from staff) sit below app/auth.

`Role` lists every role with its Chinese name; each `Permission` below names the roles it admits.
The API guards (`staff_required(P.decide_case)`), the console pages and their navigation
(`console_required`, `add_nav`), the state machine's actions (app.applications.actions), the work
queues, the CLI's `flask users create --role`, the administrator's staff page and the role-matrix
tests read this table; nothing else in app/ spells a role's name (tests/architecture checks it).

A permission says which roles may take a kind of step at all; what a role may do with one object
(an aid lawyer: only the cases assigned to them; a citizen: only their own) is checked per object by
the domain's service.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """Every role, with its Chinese name (`Role.manager.label`). A Role is a `str`: it compares equal
    to the value stored in `staff_users.role`."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    citizen = "citizen", "群众"
    duty_lawyer = "duty_lawyer", "值班律师"
    aid_lawyer = "aid_lawyer", "援助律师"
    supervisor = "supervisor", "监管人员"
    manager = "manager", "法援中心负责人"
    admin = "admin", "系统管理员"
    bureau_reviewer = "bureau_reviewer", "司法局审查人员"
    city_manager = "city_manager", "市级管理"


CITIZEN = Role.citizen
STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.citizen)  # the roles of a staff account
ROLE_LABELS: dict[str, str] = {r.value: r.label for r in Role}


SYSTEM = "system"  # not a role: the acts nobody takes but the system (the periodic scan's 视为撤回)


def role_of(actor) -> str:
    """The role of a Citizen or StaffUser (a Citizen's `role` is `citizen`); SYSTEM for no actor."""
    return SYSTEM if actor is None else getattr(actor, "role", CITIZEN)


@dataclass(frozen=True)
class Permission:
    name: str
    label: str                       # Chinese, what it allows
    roles: frozenset[Role]

    def allows(self, who) -> bool:
        """`who`: a role name, a StaffUser or a Citizen."""
        role = who if isinstance(who, str) else getattr(who, "role", None)
        return role in self.roles

    def __contains__(self, role) -> bool:
        return role in self.roles


def _p(name: str, label: str, *roles: Role) -> Permission:
    return Permission(name, label, frozenset(roles))


D, A, S, M, X, B, C = (Role.duty_lawyer, Role.aid_lawyer, Role.supervisor, Role.manager, Role.admin,
                       Role.bureau_reviewer, Role.city_manager)


class P:
    """The permissions. Each names its roles once."""

    use_console = _p("use_console", "登录工作台", *STAFF_ROLES)
    # applications and cases
    view_case = _p("view_case", "查看申请与案件（援助律师仅限指派给本人的）", D, A, S, M, C)
    view_review_desk = _p("view_review_desk", "审查台", D, S, M)
    take_phone_intake = _p("take_phone_intake", "电话受理申请", D)
    submit_application = _p("submit_application", "提交申请（群众本人；值班律师代来电人提交）", Role.citizen, D)
    withdraw_application = _p("withdraw_application", "撤回申请（群众本人）", Role.citizen)
    review_case = _p("review_case", "审查申请（开始审查、调整资格结论、补充材料通知）", D, M)
    decide_case = _p("decide_case", "决定给予、不予或终止法律援助", M)
    request_explanation = _p("request_explanation", "要求申请人补充说明（不暂停审查期限）", M)
    request_expedite = _p("request_expedite", "申请先行提供（特事特办）", D)
    decide_expedite = _p("decide_expedite", "批准或驳回特事特办", M)
    assign_lawyer = _p("assign_lawyer", "指派律师", M)
    work_case = _p("work_case", "开始办理指派的案件", A)
    # after assignment (app/handling, app/subsidy): the lawyer's closing file, the centre's closing review
    # (accept = 结案, or return), the archive, a change of lawyer (Art. 55), the subsidy batches (Art. 52)
    view_handling = _p("view_handling", "查看承办情况（援助律师仅限本人承办的案件）", D, A, S, M)
    handle_cases = _p("handle_cases", "承办与结案台、记录承办进展（援助律师仅限本人承办的案件）", A, M)
    report_as_lawyer = _p("report_as_lawyer", "承办律师的报告：申请退出、终止情形、结案材料与办理情况报告", A)
    upload_case_documents = _p("upload_case_documents", "上传本人承办案件的法律文书副本", A)
    decide_after_assignment = _p("decide_after_assignment", "决定更换法律援助人员、终止情形报告，结案审查（通过或退回）与归档", M)
    manage_subsidies = _p("manage_subsidies", "办案补贴批次（生成、批准、导出）", M)
    record_progress = _p("record_progress", "记录办理进展", D, A, M)
    reveal_phone = _p("reveal_phone", "查看申请人完整联系电话（记入审计日志）", D, A, M)
    note_after_end = _p("note_after_end", "案件结束后仍可记录进展", M)
    verify_documents = _p("verify_documents", "代传、审核与退回材料", D, M)
    arrange_home_visits = _p("arrange_home_visits", "申请与安排上门服务", D, M)
    view_home_visits = _p("view_home_visits", "查看上门服务", D, A, M)
    do_home_visits = _p("do_home_visits", "完成指派给本人的上门服务", D, A)
    manage_home_visits = _p("manage_home_visits", "完成或取消任何上门服务", M)
    manage_roster = _p("manage_roster", "律师名册与指派建议", M)
    view_sla = _p("view_sla", "办理时限统计", D, S, M)
    record_delivery = _p("record_delivery", "登记文书送达（邮寄、直接送达）与补发短信", D, M)
    # Art. 49 objections
    view_objections = _p("view_objections", "查看异议", B, M, C)
    decide_objection = _p("decide_objection", "审查异议（维持或责令改正）", B)
    # the hotline
    log_calls = _p("log_calls", "登记来电", D, M)
    view_calls = _p("view_calls", "查看来电（值班律师仅限本人接听的）", D, S, M)
    view_all_calls = _p("view_all_calls", "查看全部来电", S, M)
    import_calls = _p("import_calls", "导入话单", M, X)
    work_callbacks = _p("work_callbacks", "处理回访任务", D, M)
    follow_repeat_callers = _p("follow_repeat_callers", "重复来电回访队列", D)
    view_callbacks = _p("view_callbacks", "查看回访任务", D, S, M)
    close_callbacks = _p("close_callbacks", "回访结案（满意或升级）", M)
    rate_again = _p("rate_again", "群众重新评价满意（本人的回访任务）", Role.citizen)
    view_supervision = _p("view_supervision", "质量监管抽样", S, M)
    score_calls = _p("score_calls", "抽样评分", S)
    view_scorecards = _p("view_scorecards", "评分卡（值班律师仅限本人）", D, S, M)
    view_wallboard = _p("view_wallboard", "话务大屏", S, M)
    view_analytics = _p("view_analytics", "数据分析", S, M, C)
    export_data = _p("export_data", "导出数据", S, M, C)
    handle_alerts = _p("handle_alerts", "处理预警", M, C)
    # administration
    manage_staff = _p("manage_staff", "管理工作人员账号", X)
    # centres (app/centres): which centres a role sees, the transfer (移送, Art. 38), the centres page
    see_all_centres = _p("see_all_centres", "查看全市各法援中心（按中心筛选）", C)
    see_bureau_centres = _p("see_bureau_centres", "查看本司法局设立的各法援中心", B)
    transfer_case = _p("transfer_case", "将申请移送其他法援中心", D, M, C)
    watch_centre_queues = _p("watch_centre_queues", "督办各中心的工作队列（审查、指派、补件、回访、异议）", C)
    view_centres = _p("view_centres", "法援中心列表与设置", X, C)
    edit_centres = _p("edit_centres", "新建与修改法援中心", X)
    view_audit = _p("view_audit", "查看与导出审计日志", X)
    view_system_health = _p("view_system_health", "系统运行提示（工作日历、后台任务）", X)


PERMISSIONS: dict[str, Permission] = {v.name: v for v in vars(P).values() if isinstance(v, Permission)}


def roles_with(*permissions: Permission) -> tuple[Role, ...]:
    """The roles any of `permissions` admits, in the table's order (for role lists and SQL filters)."""
    return tuple(r for r in Role if any(r in p.roles for p in permissions))


def permissions_of(role: str) -> list[Permission]:
    return [p for p in PERMISSIONS.values() if role in p.roles]
