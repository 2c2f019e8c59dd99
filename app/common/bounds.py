"""Bounds everywhere (issue 9 item 6): no input reaches the database that it cannot hold.

- `<int:…>` path parameters match only 1 … 2^31-1 (PostgreSQL `integer`): a larger id is a 404,
  never an "integer out of range" 500;
- every marshmallow Integer loaded from a request is within the 32-bit range (422 otherwise), and
  documented so in the OpenAPI document's query and path parameters;
- every String loaded from a request is at most MAX_STRING characters unless its schema sets a
  smaller Length;
- `int_arg()` for console pages reading `request.args` by hand.
Installed once by create_app; anything else that slips through is answered 422 by app.common.outage.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_STRING = 20_000


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's int converter with PostgreSQL's integer range as its default bounds."""

    def __init__(self, map, fixed_digits=0, min=1, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _converter_schema(converter) -> dict:
    return {"type": "integer", "minimum": converter.min or 0, "maximum": converter.max or INT_MAX}


_installed = False


def install_marshmallow() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    int_deserialize = fields.Integer._deserialize
    str_deserialize = fields.String._deserialize

    def _int(self, value, attr, data, **kwargs):
        out = int_deserialize(self, value, attr, data, **kwargs)
        if out is not None and not INT_MIN <= out <= INT_MAX:
            raise ValidationError(f"应在 {INT_MIN} 与 {INT_MAX} 之间。")
        return out

    def _str(self, value, attr, data, **kwargs):
        out = str_deserialize(self, value, attr, data, **kwargs)
        if out is not None and len(out) > MAX_STRING:
            raise ValidationError(f"长度不能超过 {MAX_STRING} 个字符。")
        if out is not None and "\x00" in out:
            raise ValidationError("文本中不能含有空字符。")  # PostgreSQL text cannot hold NUL
        return out

    fields.Integer._deserialize = _int
    fields.String._deserialize = _str


def _document_integer_bounds(self, field, ret, **kwargs):  # noqa: ARG001 — apispec parameter attribute function
    """Integer query parameters: document the bounds the loader enforces."""
    schema = ret.get("schema") or {}
    if isinstance(field, fields.Integer) and schema.get("type") == "integer":
        schema.setdefault("minimum", INT_MIN)
        schema.setdefault("maximum", INT_MAX)
    return {}


def _numeric_bounds_as_numbers(self, field, ret, **kwargs):  # noqa: ARG001 — apispec attribute function
    """A Decimal field dumped as a string gets its Range documented as strings ("0.00"): invalid
    OpenAPI (`minimum` must be a number). Write the bounds as numbers."""
    if isinstance(field, fields.Number):
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(ret.get(key), str):
                ret[key] = float(ret[key])
    return {}


NO_NUL = "^[^\\u0000]*$"


def _document_loader_bounds(self, field, ret, **kwargs):  # noqa: ARG001 — apispec attribute function
    """What the loader enforces on every field, stated in the document (so a client or a fuzzer that
    follows the document is never refused for it): integers within 32 bits, text without NUL."""
    if isinstance(field, fields.Integer) and ret.get("type") == "integer":
        ret.setdefault("minimum", INT_MIN)
        ret.setdefault("maximum", INT_MAX)
    if (isinstance(field, fields.String) and ret.get("type") == "string" and "pattern" not in ret
            and "format" not in ret and "enum" not in ret and not field.dump_only):
        ret["pattern"] = NO_NUL
    return {}


def init_app(app, api) -> None:
    install_marshmallow()
    api.register_converter(BoundedIntConverter, _converter_schema)
    api.ma_plugin.converter.add_parameter_attribute_function(_document_integer_bounds)
    api.ma_plugin.converter.add_attribute_function(_numeric_bounds_as_numbers)
    api.ma_plugin.converter.add_attribute_function(_document_loader_bounds)


def int_arg(args, name: str, default: int | None = None, *, minimum: int = 1, maximum: int = INT_MAX) -> int | None:
    """request.args.get(name, type=int) with bounds: out of range or not a number → the default."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if minimum <= value <= maximum else default
