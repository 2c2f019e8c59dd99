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


# Changes to the generated document that marshmallow cannot express (a choice between two sets of
# fields, a multipart body parsed from two locations): fn(spec) with the apispec object, applied once
# by create_app after every blueprint is registered. Each domain registers its own next to its routes.
SPEC_FIXUPS: list = []


def spec_fixup(fn):
    SPEC_FIXUPS.append(fn)
    return fn


def apply_fixups(app, spec) -> None:
    for fn in SPEC_FIXUPS:
        fn(app, spec)


def operation(spec, path: str, method: str) -> dict | None:
    return spec._paths.get(path, {}).get(method)  # apispec keeps the registered paths here
