"""API of callback tasks: /api/v1/callbacks (manager and duty lawyers; satisfied/escalate: manager)."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from app.auth.guards import staff_required
from app.common.permissions import P
from app.callbacks import service
from app.callbacks.schemas import AttemptInput, AttemptOut, CloseInput, TaskDetailOut, TaskListArgs, TaskOut
from app.common.pagination import page_schema, paginate


blp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks", description="回访")


@blp.route("")
@staff_required(P.work_callbacks)
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, page_schema(TaskOut, "CallbackTaskPage"))
def list_tasks(args):
    """回访任务（逾期的排在最前）"""
    return paginate(service.list_stmt(args), args["page"], args["page_size"])


@blp.route("/<int:task_id>")
@staff_required(P.work_callbacks)
@blp.response(200, TaskDetailOut)
def get_task_route(task_id):
    """回访任务详情与回访记录"""
    return service.get_task(task_id)


@blp.route("/<int:task_id>/attempts", methods=["POST"])
@staff_required(P.work_callbacks)
@blp.arguments(AttemptInput)
@blp.response(201, AttemptOut)
def post_attempt(data, task_id):
    """记录一次回访（时间、结果、备注）"""
    return service.log_attempt(g.staff, task_id, data)


@blp.route("/<int:task_id>/satisfied", methods=["POST"])
@staff_required(P.close_callbacks)
@blp.arguments(CloseInput)
@blp.response(200, TaskDetailOut)
def post_satisfied(data, task_id):
    """记录群众已满意（负责人）"""
    return service.close(g.staff, task_id, "satisfied", data.get("note"))


@blp.route("/<int:task_id>/escalate", methods=["POST"])
@staff_required(P.close_callbacks)
@blp.arguments(CloseInput)
@blp.response(200, TaskDetailOut)
def post_escalate(data, task_id):
    """升级处理（负责人）"""
    return service.close(g.staff, task_id, "escalated", data.get("note"))
