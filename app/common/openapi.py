"""OpenAPI helpers for answers a marshmallow schema does not describe (free-form JSON, downloads),
so the document describes every real response (schemathesis validates them)."""
from __future__ import annotations

# `@blp.doc(security=BEARER)`: the operation takes a bearer token (the scheme is declared in create_app)
BEARER = [{"bearer": []}]


def json_object(description: str = "OK") -> dict:
    """`@blp.doc(**json_object("…"))`: a 200 JSON object whose shape is free-form (charts, reports)."""
    return {"responses": {"200": {"description": description,
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}


def download(*media_types: str, description: str = "文件下载") -> dict:
    """`@blp.doc(**download("text/csv", …))`: a 200 file download."""
    content = {mt: {"schema": {"type": "string", "format": "binary"}} for mt in media_types}
    return {"responses": {"200": {"description": description, "content": content}}}
