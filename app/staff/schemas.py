import marshmallow as ma
from flask import g
from marshmallow import fields, validate

from app.applications.models import CATEGORIES, SERVICE_TYPES, STATUSES
from app.applications.actions import allowed_actions
from app.common.phone import mask as mask_phone
from app.applications.schemas import ApplicationOut, ApplicationSummaryOut, StaffEventOut
from app.common.pagination import PageArgs, page_schema
from app.applications import sla
from app.casework.schemas import AvailabilityInput, IntakeInput, TransferInput  # noqa: F401  (the staff API loads them)
from app.documents.schemas import DocumentRejectInput  # noqa: F401
from app.visits.schemas import HomeVisitCompleteInput, HomeVisitRequestInput, HomeVisitScheduleInput  # noqa: F401
from app.visits.service import visits_for


def _sla(obj):
    return SlaOut().dump(sla.state(obj))


class SlaOut(ma.Schema):
    state = fields.String(metadata={"description": "none | running | near | breached | met | missed"})
    target_minutes = fields.Integer(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    elapsed_minutes = fields.Integer(allow_none=True)
    remaining_minutes = fields.Integer(allow_none=True)


class HomeVisitOut(ma.Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    address = fields.String()
    reason = fields.String(allow_none=True)
    requested_by_type = fields.String()
    lawyer_id = fields.Integer(allow_none=True)
    lawyer_name = fields.Function(lambda v: v.lawyer.display_name if v.lawyer else None)
    scheduled_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    result_note = fields.String(allow_none=True)


class StaffApplicationSummaryOut(ApplicationSummaryOut):
    submitted_at = fields.DateTime(allow_none=True)
    first_contact_at = fields.DateTime(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    assigned_lawyer_id = fields.Integer(allow_none=True)
    deadline_at = fields.DateTime(allow_none=True)
    sla = fields.Function(_sla)


class StaffApplicationOut(ApplicationOut):
    # the applicant's number masked, as on every console page; the full one through the audited
    # GET /api/v1/staff/applications/{id}/phone
    phone = fields.Function(lambda a: mask_phone(a.phone) if a.phone else None, allow_none=True,
                            metadata={"description": "联系电话（脱敏；完整号码经 /phone 查看并记入审计日志）"})
    first_contact_at = fields.DateTime(allow_none=True)
    deadline_at = fields.DateTime(allow_none=True)
    expedite_reason = fields.String(allow_none=True)
    backfill_kinds = fields.List(fields.String(), allow_none=True)
    backfill_due_at = fields.DateTime(allow_none=True)
    created_by_staff_id = fields.Integer(allow_none=True)
    sla = fields.Function(_sla)
    home_visits = fields.Method("get_home_visits")
    allowed_actions = fields.Method("get_allowed_actions",
                                    metadata={"description": "当前用户此刻可执行的操作（与控制台一致）"})

    def get_timeline(self, obj):
        """Staff see every event, internal notes included, each marked whether the citizen sees it."""
        events = self.context_events(obj)
        return StaffEventOut(many=True).dump(events) if events is not None else None

    def get_allowed_actions(self, obj):
        staff = g.get("staff")
        return allowed_actions(staff, obj) if staff is not None else []

    def get_home_visits(self, obj):
        return HomeVisitOut(many=True).dump(visits_for(obj))


StaffApplicationPageOut = page_schema(StaffApplicationSummaryOut, "StaffApplicationPage")


class StaffApplicationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "编号、姓名或电话（至少 4 位数字）"})
    urgent = fields.Boolean(load_default=False)


class SuggestionOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    specialties = fields.List(fields.String())
    region = fields.String(allow_none=True)
    available = fields.Boolean()
    open_cases = fields.Integer()
    score = fields.Integer()
    reasons = fields.List(fields.String())


class RosterOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    specialties = fields.List(fields.String())
    region = fields.String(allow_none=True)
    available = fields.Boolean()
    is_active = fields.Boolean()
    open_cases = fields.Integer()


class HomeVisitArgs(ma.Schema):
    all = fields.Boolean(load_default=False, metadata={"description": "含已完成与已取消"})


class QueueItemOut(ma.Schema):
    type = fields.String(metadata={"description": "application | document | backfill | home_visit | home_visit_request | callback"})
    id = fields.Integer()
    application_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    title = fields.String()
    subtitle = fields.String()
    status = fields.String(allow_none=True)
    urgent = fields.Boolean()
    deadline_at = fields.DateTime(allow_none=True)
    deadline_hours_left = fields.Float(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    sla = fields.Method("get_sla")

    def get_sla(self, obj):
        return SlaOut().dump(obj["sla"]) if obj.get("sla") else None


class QueueOut(ma.Schema):
    key = fields.String()
    title = fields.String()
    total = fields.Integer(metadata={"description": "队列中的总项数（items 为按顺序的前若干项）"})
    items = fields.List(fields.Nested(QueueItemOut))


class SlaSummaryOut(ma.Schema):
    days = fields.Integer()
    target_minutes = fields.Integer()
    total = fields.Integer()
    within = fields.Integer()
    share = fields.Float(allow_none=True, metadata={"description": "指派达标率（0–1）"})
    waiting = fields.Integer()
    breached_waiting = fields.Integer()
    median_minutes = fields.Integer(allow_none=True)


class SlaArgs(ma.Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class _CentreRef(ma.Schema):
    code = fields.String()
    name = fields.String()


class TransferOut(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    centre = fields.Nested(_CentreRef)
    from_centre = fields.String(allow_none=True)


class PhoneOut(ma.Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "完整联系电话"})
