"""A case as the procedure's desks see it: per-object access and the timeline."""
from __future__ import annotations

import sqlalchemy as sa

from app import errors
from app.applications import service as applications
from app.applications.models import Application, ApplicationEvent
from app.auth.models import StaffUser
from app.documents import service as documents
from app.extensions import db
from app.common.permissions import P

def staff_application(staff: StaffUser, application_id: int) -> Application:
    """Per-object access as the case desk has it: an aid lawyer sees only assigned cases; a citizen's
    unsent draft is theirs alone; other roles (the bureau's reviewer too) see no case here (404). Locked
    for the transaction when the request may change it (applications.load_for_change): two hosts handling
    the same action at once take turns."""
    app_ = applications.load_for_change(application_id)
    if app_ is None or not P.view_case.allows(staff) \
            or not documents.can_staff_see(staff, app_) or (app_.status == "draft" and app_.citizen_id is not None):
        raise errors.NotFound("未找到该申请")
    return app_


def events_for(application_id: int) -> list:
    return db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                              .order_by(ApplicationEvent.id)).all()
