"""API of 送达: the citizen opening a letter in the mini-program, the staff recording a delivery by post
or in person (送达回证) and resending the SMS, and the SMS's short link (one-time code, no login).
Routes parse → call `delivery` → serialise."""
from __future__ import annotations

import html

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint as FlaskBlueprint, Response, g, redirect
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app import errors
from app.applications import service as applications
from app.auth.guards import citizen_required, staff_required
from app.common.openapi import BEARER
from app.common.permissions import P
from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from app.procedure import cases, delivery, letters
from app.procedure.models import Letter

citizen = Blueprint("delivery", __name__, url_prefix="/api/v1/applications",
                    description="法律文书送达（小程序）：查看即送达")
staff = Blueprint("delivery_staff", __name__, url_prefix="/api/v1/staff",
                  description="法律文书送达（工作人员）：登记邮寄或直接送达、补发短信")
short = FlaskBlueprint("letter_link", __name__)


class DeliveryOut(ma.Schema):
    letter_id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    delivered_at = fields.String(allow_none=True, metadata={"description": "送达时间（ISO 8601）"})
    delivered_by = fields.String(allow_none=True, metadata={"description": "送达方式：" + "、".join(
        f"{k} {v}" for k, v in delivery.WAYS.items())})
    delivery_channel = fields.String(allow_none=True, metadata={"description": "wechat | sms | manual | internal"})
    sms_sent_at = fields.String(allow_none=True)
    sms_error = fields.String(allow_none=True)


class RecordInput(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    way = fields.String(required=True, validate=validate.OneOf(delivery.STAFF_WAYS),
                        metadata={"description": "post 邮寄送达 | in_person 直接送达"})
    date = fields.Date(required=True, metadata={"description": "送达日期（送达回证上的日期）"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "如邮件单号、签收人"})


def _letter(application_id: int, letter_id: int) -> Letter:
    letter = db.session.scalar(sa.select(Letter).where(Letter.id == letter_id, Letter.application_id == application_id))
    if letter is None:
        raise errors.NotFound("未找到该文书")
    return letter


def _out(letter: Letter) -> dict:
    d = delivery.get(letter.id)
    return {"letter_id": letter.id, "number": letter.number, "kind": letter.kind, **delivery.out(d),
            "delivery_channel": d.channel if d else None,
            "sms_sent_at": d.sms_sent_at.isoformat() if d and d.sms_sent_at else None,
            "sms_error": d.sms_error if d else None}


@citizen.route("/<int:application_id>/letters/<int:letter_id>/opened", methods=["POST"])
@citizen_required
@citizen.response(200, DeliveryOut)
def opened(application_id, letter_id):
    """申请人在小程序中打开文书：记为送达（首次打开的时间）"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    letter = _letter(application_id, letter_id)
    delivery.opened_by_citizen(g.citizen, app_, letter)
    return _out(letter)


@staff.route("/applications/<int:application_id>/letters/<int:letter_id>/delivery", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.record_delivery)
@staff.arguments(RecordInput)
@staff.response(200, DeliveryOut)
def record(data, application_id, letter_id):
    """登记邮寄送达或直接送达（送达日期与方式，即送达回证）；已送达的文书不能重复登记"""
    app_ = cases.staff_application(g.staff, application_id)
    letter = _letter(application_id, letter_id)
    delivery.record_by_staff(g.staff, app_, letter, data["way"], data["date"], data.get("note"))
    return _out(letter)


@staff.route("/applications/<int:application_id>/letters/<int:letter_id>/sms", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.record_delivery)
@staff.response(200, DeliveryOut)
def resend(application_id, letter_id):
    """向申请人手机补发文书短信（新的一次性查看链接，原链接作废）"""
    app_ = cases.staff_application(g.staff, application_id)
    letter = _letter(application_id, letter_id)
    d = delivery.get(letter.id)
    if d is None or d.channel not in ("sms", "manual"):
        raise errors.InvalidTransition("该文书不通过短信送达")
    if d.delivered_at is not None:
        raise errors.InvalidTransition("该文书已送达")
    if not app_.phone:
        raise errors.ValidationFailed("申请人没有登记手机号，请邮寄或直接送达")
    d = delivery.send_sms(letter.id, resend_by=g.staff)
    if d.sms_error:
        raise errors.ServiceUnavailable(f"短信未发出：{d.sms_error}")
    return _out(letter)


def _page(title: str, body: str, status: int) -> Response:
    text = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width,initial-scale=1\"><title>{html.escape(title)}</title>"
            f"<body style=\"font-family:sans-serif;padding:1.5em;line-height:1.6\"><h1 style=\"font-size:1.3em\">"
            f"{html.escape(title)}</h1><p>{html.escape(body)}</p></body></html>")
    return Response(text, status=status, mimetype="text/html", headers={"Cache-Control": "no-store",
                                                                         "Referrer-Policy": "no-referrer"})


@short.route("/l/<code>")
def open_link(code):
    """The SMS short link: the one-time code delivers the letter and opens its PDF."""
    if len(code) > 32:
        return _page("链接无效", "请核对短信中的链接，或拨打 12348 咨询。", 404)
    try:
        letter = delivery.open_link(code)
    except errors.NotFound:
        return _page("链接无效", "请核对短信中的链接，或拨打 12348 咨询。", 404)
    except delivery.LinkUsed as used:
        return _page("该链接已使用", f"该查看链接已于 {used.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 使用。"
                     "如需再次查看文书，请拨打 12348 或到法律援助中心领取。", 410)
    return redirect(letters.signed_url(letter), code=302)
