"""Console pages of the documents domain: staff upload for an application, the verification page
(photo through a signed, audited URL beside its OCR fields, checks and warnings), verify and reject."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for

from app import errors
from app.applications import service as applications
from app.applications.models import FINAL_STATUSES, Application
from app.console import bp, console_required, form_input, me
from app.documents.schemas import DocumentRejectInput, KindInput
from app.common.permissions import P
from app.documents import flows, service as documents
from app.documents.models import LOW_CONFIDENCE, REJECT_REASONS, TO_VERIFY, Document
from app.extensions import db

WARNING_LABELS = {
    "image_too_small": "照片分辨率过低", "blurred": "照片模糊", "blurry": "照片模糊", "too_dark": "照片过暗",
    "overexposed": "照片过曝", "wrong_kind": "材料类型可能不对", "no_text": "未识别到文字", "expired": "证件已过期",
    "surname_unknown": "姓名的姓氏不常见，可能识别有误，请核对", "seal_text": "有内容可能取自印章文字，请核对",
}
# Each check shown by its outcome: (key, the good value, words when good, words when not).
CHECKS = (
    ("id_check_digit", True, "身份证号校验位正确", "身份证号校验位错误"),
    ("id_valid", True, "身份证号有效", "身份证号无效（地区码或出生日期不合规）"),
    ("birth_date_matches_id", True, "出生日期与身份证号一致", "出生日期与身份证号不一致"),
    ("sex_matches_id", True, "性别与身份证号一致", "性别与身份证号不一致"),
    ("expired", False, "在有效期内", "已过期"),
    ("not_yet_valid", False, "已生效", "尚未生效"),
)


def check_outcomes(ocr: dict) -> list[dict]:
    """The OCR checks of a document as outcomes in words, failures first: [{"ok", "text"}]."""
    checks = ocr.get("checks") or {}
    fields = ocr.get("fields") or {}
    valid_to = (fields.get("valid_to") or {}).get("value")
    valid_from = (fields.get("valid_from") or {}).get("value")
    out = []
    for key, good, yes, no in CHECKS:
        if checks.get(key) is None:
            continue
        ok = bool(checks[key]) == good
        text = yes if ok else no
        if key == "expired" and valid_to:
            text += "（长期有效）" if valid_to == "长期" else f"（有效期至 {valid_to}）"
        if key == "not_yet_valid" and valid_from:
            text += f"（自 {valid_from} 起）"
        out.append({"ok": ok, "text": text})
    if checks.get("id_corrected"):
        out.append({"ok": None, "text": "身份证号经校验位纠正识别，请与照片核对"})
    return sorted(out, key=lambda c: {False: 0, None: 1, True: 2}[c["ok"]])


FIELD_LABELS = {
    "name": "姓名", "sex": "性别", "ethnicity": "民族", "birth_date": "出生日期", "address": "住址",
    "id_number": "公民身份号码", "issuing_authority": "签发机关", "valid_from": "有效期起", "valid_to": "有效期至",
    "relationship": "户主或与户主关系", "former_name": "曾用名", "birth_place": "出生地", "native_place": "籍贯",
    "other_address": "本市（县）其他住址", "religion": "宗教信仰", "height": "身高", "blood_type": "血型",
    "education": "文化程度", "marital_status": "婚姻状况", "veteran_status": "兵役状况", "employer": "服务处所",
    "occupation": "职业", "moved_to_city": "何时由何地迁来本市（县）", "moved_to_address": "何时由何地迁来本址",
    "registration_date": "登记日期", "household_type": "户别", "householder_name": "户主姓名",
    "household_number": "户号", "issue_date": "签发日期",
}


@bp.route("/applications/<int:application_id>/documents", methods=["POST"])
@console_required(P.verify_documents)
def upload_document(application_id):
    app_ = applications.get_for_staff(me(), application_id)
    f = request.files.get("file")
    if f is None or not f.filename:
        raise errors.ValidationFailed("请选择要上传的照片")
    raw = f.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    doc = flows.photo_uploaded(me(), app_.id, form_input(KindInput)["kind"], raw, f.filename)
    flash(f"已上传：{doc.kind_label}", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/documents/<int:document_id>")
@console_required(P.view_case)
def document_detail(document_id):
    staff = me()
    doc = documents.get_for_staff(staff, document_id)
    app_ = applications.get_for_staff(staff, doc.application_id)
    view = documents.signed_view(staff, doc.id)  # writes the audit record
    ocr = doc.ocr_result or {}
    checks = ocr.get("checks") or {}
    region = checks.get("region") or None
    return render_template("documents/document.html", doc=doc, a=app_, url=view["url"], ocr=ocr,
                           fields=(ocr.get("fields") or {}), field_labels=FIELD_LABELS, checks=check_outcomes(ocr),
                           region=region, warnings=[WARNING_LABELS.get(w, w) for w in doc.warnings],
                           reject_reasons=REJECT_REASONS, doc_actions=documents.allowed_actions(staff, doc),
                           can_review=documents.can_review(staff), low_confidence=LOW_CONFIDENCE,
                           next_doc=_next_document(doc))


def _next_document(doc):
    return db.session.scalar(sa.select(Document.id).join(Application, Application.id == Document.application_id)
                             .where(Document.status.in_(TO_VERIFY), Document.id != doc.id,
                                    Application.status.not_in(FINAL_STATUSES + ("draft",)))
                             .order_by(Document.id).limit(1))


@bp.route("/documents/<int:document_id>/verify", methods=["POST"])
@console_required(P.verify_documents)
def verify_document(document_id):
    doc = documents.get_for_staff(me(), document_id)
    documents.verify(me(), doc)
    flash(f"已审核通过：{doc.kind_label}", "ok")
    return redirect(url_for("console.application_detail", application_id=doc.application_id))


@bp.route("/documents/<int:document_id>/reject", methods=["POST"])
@console_required(P.verify_documents)
def reject_document(document_id):
    doc = documents.get_for_staff(me(), document_id)
    f = form_input(DocumentRejectInput)  # the staff API's input
    documents.reject(me(), doc, f["reason"], (f["note"] or "").strip() or None)
    flash(f"已退回：{doc.kind_label}（群众将收到重新拍摄的提示）", "ok")
    return redirect(url_for("console.application_detail", application_id=doc.application_id))


