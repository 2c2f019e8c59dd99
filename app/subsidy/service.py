"""办案补贴 (Art. 52): computed from the province's standard (`SUBSIDY_STANDARD`: an amount per case type
— the application's service type — and stage, then adjustments by the case's facts), shown to the lawyer
when the closing file is submitted, fixed when the closing review accepts it, and paid in monthly batches
that a manager approves and exports (CSV/XLSX through app.common.exports, formula-safe). A batch is the
manager's centre's: it pays that centre's cases, and other centres' batches are not found (a 404).

Amounts are integer fen; the standard gives yuan (numbers with at most two decimals)."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app

from app import errors
from app.common.lookup import get_allowed
from app.common.permissions import P
from app.audit import record as audit
from app.centres.scope import visible_centre_ids
from app.auth.models import StaffUser
from app.common import exports
from app.common.timeutil import utcnow
from app.extensions import db
from app.subsidy.models import Subsidy, SubsidyBatch

ART_52 = "法律援助机构应当依照有关规定及时向法律援助人员支付法律援助补贴。"


def _fen(yuan) -> int:
    return int((Decimal(str(yuan)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def standard() -> dict:
    return current_app.config["SUBSIDY_STANDARD"]


def stages_for(case_type: str | None) -> dict[str, str]:
    """{stage key: label} of a case type in the standard (empty when the type is not in it)."""
    t = standard().get("types", {}).get(case_type or "")
    return {k: v.get("label", k) for k, v in (t or {}).get("stages", {}).items()}


def compute(app_, stage: str, facts: set[str]) -> dict:
    """The subsidy of a case at a stage: the standard's amount, then each adjustment whose condition is a
    fact of the case (`amount`: yuan added; `percent`: of the base). Returns the computation with fen."""
    t = standard().get("types", {}).get(app_.service_type or "")
    if not t or stage not in t.get("stages", {}):
        raise errors.ValidationFailed("补贴标准未设置该援助事项或阶段", details={"fields": {"stage": ["无效"]}})
    base = _fen(t["stages"][stage]["amount"])
    lines = []
    for adj in standard().get("adjustments", []):
        if adj.get("when") not in facts:
            continue
        if "percent" in adj:
            add = int((Decimal(base) * Decimal(str(adj["percent"])) / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        else:
            add = _fen(adj.get("amount", 0))
        lines.append({"key": adj["key"], "label": adj.get("label", adj["key"]), "fen": add})
    total = base + sum(l["fen"] for l in lines)
    return {"case_type": app_.service_type, "case_type_label": t.get("label", app_.service_type), "stage": stage,
            "stage_label": t["stages"][stage].get("label", stage), "base_fen": base, "adjustments": lines,
            "amount_fen": total, "amount": yuan(total)}


def record(app_, lawyer_id: int, computed: dict, day: dt.date) -> Subsidy:
    """Fix a case's subsidy when its closing is accepted (the caller commits)."""
    row = Subsidy(application_id=app_.id, lawyer_id=lawyer_id, amount_fen=computed["amount_fen"], breakdown=computed,
                  accepted_on=day, created_at=utcnow())
    db.session.add(row)
    return row


def for_application(application_id: int) -> Subsidy | None:
    return db.session.scalar(sa.select(Subsidy).where(Subsidy.application_id == application_id))


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise errors.ValidationFailed("月份格式应为 YYYY-MM", details={"fields": {"month": ["应为 YYYY-MM"]}}) from None
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt


def unbatched(month: str, centre_id: int | None = None) -> list[Subsidy]:
    """What a month's batch pays: every subsidy accepted by the month's end that no batch holds yet (one
    accepted after its month's batch was made waits for the next month's); of one centre's cases when given
    (else of the cases the caller sees)."""
    _, nxt = _month_bounds(month)
    stmt = sa.select(Subsidy).where(Subsidy.batch_id.is_(None), Subsidy.accepted_on < nxt)
    if centre_id is not None:
        apps = db.metadata.tables["applications"]
        stmt = stmt.where(Subsidy.application_id.in_(sa.select(apps.c.id).where(apps.c.centre_id == centre_id)))
    return db.session.scalars(stmt.order_by(Subsidy.id)).all()


def _manager(staff: StaffUser) -> None:
    if not P.manage_subsidies.allows(staff):
        raise errors.Forbidden("当前角色无权办理补贴发放")


def _centre_of_batch(manager: StaffUser) -> int:
    """The centre a new batch is for: the manager's own (a role seeing several centres: the one chosen)."""
    ids = visible_centre_ids(manager)
    if ids is None or len(ids) != 1:
        raise errors.ValidationFailed("补贴批次按中心生成：请先选择中心", details={"fields": {"centre": ["请选择中心"]}})
    return ids[0]


def create_batch(manager: StaffUser, month: str) -> SubsidyBatch:
    """The centre's batch of the month (one per centre and month): every subsidy of the centre's cases accepted
    by the month's end not yet in a batch."""
    _manager(manager)
    _month_bounds(month)
    centre_id = _centre_of_batch(manager)
    if db.session.scalar(sa.select(SubsidyBatch.id).where(SubsidyBatch.month == month,
                                                         SubsidyBatch.centre_id == centre_id)):
        raise errors.Conflict(f"{month} 的补贴批次已存在")
    items = unbatched(month, centre_id)
    if not items:
        raise errors.Conflict(f"{month} 没有待发放的补贴（该月末前通过结案审查且尚未入批的补贴为零）")
    batch = SubsidyBatch(centre_id=centre_id, month=month, status="draft", total_fen=sum(i.amount_fen for i in items),
                         created_at=utcnow(), created_by_id=manager.id)
    db.session.add(batch)
    db.session.flush()
    for i in items:
        i.batch_id = batch.id
    audit("subsidy_batch.create", actor=manager, object_type="subsidy_batch", object_id=batch.id,
          details={"month": month, "items": len(items), "total_fen": batch.total_fen, "centre_id": centre_id})
    db.session.commit()
    return batch


def get_batch(staff: StaffUser, batch_id: int) -> SubsidyBatch:
    return get_allowed(SubsidyBatch, batch_id, staff, P.manage_subsidies, "未找到该补贴批次")


def batches() -> list[SubsidyBatch]:
    return db.session.scalars(sa.select(SubsidyBatch).order_by(SubsidyBatch.month.desc())).all()


def approve_batch(manager: StaffUser, batch: SubsidyBatch) -> SubsidyBatch:
    _manager(manager)
    if batch.status != "draft":
        raise errors.InvalidTransition("该批次已审批")
    batch.status, batch.approved_at, batch.approved_by_id = "approved", utcnow(), manager.id
    audit("subsidy_batch.approve", actor=manager, object_type="subsidy_batch", object_id=batch.id,
          details={"total_fen": batch.total_fen})
    db.session.commit()
    return batch


HEADERS = ("序号", "申请编号", "受援人", "承办律师", "律师事务所", "援助事项", "阶段", "基本补贴（元）", "调整（元）",
           "补贴金额（元）", "结案审查通过日期")


def rows(batch: SubsidyBatch) -> list[tuple]:
    apps = db.metadata.tables["applications"]
    refs = {r.id: (r.reference, r.applicant_name) for r in db.session.execute(
        sa.select(apps.c.id, apps.c.reference, apps.c.applicant_name)
        .where(apps.c.id.in_([i.application_id for i in batch.items])))}
    out = []
    for n, i in enumerate(batch.items, 1):
        ref, name = refs.get(i.application_id, (None, None))
        b = i.breakdown
        adj = "；".join(f"{a['label']} {yuan(a['fen'])}" for a in b.get("adjustments", [])) or "—"
        lawyer = i.lawyer  # None: an account now in another centre (out of the caller's scope)
        out.append((n, ref, name, lawyer.display_name if lawyer else "—", (lawyer.law_firm if lawyer else None) or "",
                    b.get("case_type_label"),
                    b.get("stage_label"), float(yuan(b["base_fen"])), adj, float(yuan(i.amount_fen)),
                    i.accepted_on))
    return out


def export(manager: StaffUser, batch: SubsidyBatch, fmt: str) -> tuple[bytes, str, str]:
    """The approved batch for the finance office, CSV or XLSX (formula-safe); the export is audited."""
    _manager(manager)
    if batch.status != "approved":
        raise errors.InvalidTransition("批次审批后才能导出")
    title = f"办案补贴 {batch.month}"
    data = rows(batch)
    total = ("合计", "", "", "", "", "", "", "", "", float(yuan(batch.total_fen)), "")
    if fmt == "csv":
        body, mime = exports.csv_bytes([(title, HEADERS, [*data, total])]), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = exports.xlsx_bytes([(title, HEADERS, [*data, total])])
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise errors.ValidationFailed("格式应为 csv 或 xlsx", details={"fields": {"format": ["csv 或 xlsx"]}})
    audit("subsidy_batch.export", actor=manager, object_type="subsidy_batch", object_id=batch.id, details={"format": fmt})
    db.session.commit()
    return body, mime, f"subsidy-{batch.month}.{fmt}"
