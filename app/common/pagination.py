"""Page/page_size pagination with a stable envelope: {items, page, page_size, total}."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from app.extensions import db

MAX_PAGE_SIZE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema, name: str):
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "page_size": ma.fields.Integer(),
        "total": ma.fields.Integer(),
    })


def paginate(stmt: sa.Select, page: int, page_size: int) -> dict:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total}
