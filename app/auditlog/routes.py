"""The audit log's API: /api/v1/staff/audit (admin)."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.audit.query import audit_stmt
from app.auditlog import schemas as s
from app.auth.guards import staff_required
from app.common.permissions import P
from app.common.pagination import paginate
from app.common.openapi import BEARER

blp = Blueprint("auditlog", __name__, url_prefix="/api/v1/staff/audit", description="审计日志")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(P.view_audit)
@blp.arguments(s.AuditArgs, location="query")
@blp.response(200, s.AuditPageOut)
def audit_log(args):
    """审计日志（登录、查看材料、状态变更、导出），可筛选"""
    return paginate(audit_stmt(args), args["page"], args["page_size"])
