"""API: the signed webhook of a cloud contact centre, and the do-not-call-back flag of a call's number."""
from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint

from app.auth.guards import staff_required
from app.common import openapi
from app.common.openapi import BEARER
from app.common.permissions import P
from app.telephony import service, webhook
from app.telephony.schemas import DoNotCallInput, DoNotCallOut

blp = Blueprint("telephony", __name__, url_prefix="/api/v1/telephony", description="话务系统对接（来电事件）")



@blp.route("/events", methods=["POST"])
@blp.doc(security=[], **openapi.json_object('{"stored": n, "duplicates": n}'))
def receive_events():
    """话务系统事件回调（JSON 事件或事件数组；HMAC-SHA256 签名：X-Telephony-Timestamp、X-Telephony-Signature）"""
    cfg = current_app.config
    body = request.get_data(cache=True)
    window = int(cfg["TELEPHONY_WEBHOOK_WINDOW_SECONDS"])
    signature = webhook.verify(cfg["TELEPHONY_WEBHOOK_SECRET"], request.headers.get("X-Telephony-Timestamp"),
                               request.headers.get("X-Telephony-Signature"), body, window)
    events = webhook.parse(body)
    webhook.take_receipt(signature, window)
    return service.ingest(events).as_dict()


@blp.route("/consultations/<int:consultation_id>/do-not-call", methods=["PUT"])
@blp.doc(security=BEARER)
@staff_required(P.log_calls)
@blp.arguments(DoNotCallInput)
@blp.response(200, DoNotCallOut)
def set_do_not_call(data, consultation_id):
    """标记/取消来电号码「勿回拨」（弹屏中显示；值班律师仅限本人接听的来电；记入审计日志）"""
    return service.set_do_not_call(g.staff, consultation_id, data["do_not_call"], data.get("note"))
