"""One object by id for a member of staff: a missing one and one the caller's permission does not reach are the
same 404 (the centre scope, app/centres/scope.py, has already hidden other centres' rows)."""
from __future__ import annotations

import sqlalchemy as sa

from app import errors
from app.extensions import db


def get_allowed(model, object_id: int, staff, permission, not_found: str):
    # a query, not session.get: an object already in the identity map would skip the centre scope
    obj = db.session.scalar(sa.select(model).where(model.id == object_id))
    if obj is None or not permission.allows(staff):
        raise errors.NotFound(not_found)
    return obj
