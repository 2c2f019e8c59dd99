"""Who is calling: bearer tokens for the API. Every route declares the roles it admits.

The token check is one indexed query. A citizen's row is loaded only when a view touches
`g.citizen` (the status polling path needs just the id, `g.citizen_id`); staff rows are loaded
at once because the role and the active flag decide access.

Pure citizen reads (`citizen_read`) run the same token check inside the statement that reads
the data: the guard wraps the resource's select so that it only sees rows owned by the token's
citizen, and it decides 401 / 403 from the token part of the answer. One round trip, no
transaction, and still no cache: a revoked or logged-out token fails on the very next request.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import g, request
from werkzeug.local import LocalProxy

from app import errors
from app.auth.models import AuthToken, Citizen, StaffUser
from app.common.permissions import CITIZEN, Permission
from app.auth.service import subject_of_access_token
from app.common import crypto, readonly
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _load_citizen(citizen_id: int) -> Citizen:
    cached = g.get("_citizen_row")
    if cached is None:
        cached = db.session.get(Citizen, citizen_id)
        if cached is None:
            raise errors.Unauthorized("账号不可用，请重新登录", code="invalid_token")
        g._citizen_row = cached
    return cached


def _set_citizen(citizen_id: int) -> None:
    g.citizen_id = citizen_id
    g.citizen = g.actor = LocalProxy(functools.partial(_load_citizen, citizen_id))


def _authenticate() -> str:
    token = bearer_token()
    if not token:
        raise errors.Unauthorized("请先登录", code="unauthorized")
    ref = subject_of_access_token(token)
    if ref is None:
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    subject_type, subject_id = ref
    if subject_type == CITIZEN:
        _set_citizen(subject_id)
    else:
        _set_staff(subject_id)
    return subject_type


def _set_staff(staff_id: int) -> None:
    user = db.session.get(StaffUser, staff_id)
    if user is None or not user.is_active:
        raise errors.Unauthorized("账号不可用，请重新登录", code="invalid_token")
    g.staff = g.actor = user


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if _authenticate() != CITIZEN:
            raise errors.Forbidden("该接口仅供小程序用户使用")
        return view(*args, **kwargs)
    return wrapper


def staff_required(*permissions: Permission):
    """Staff only; with permissions (app.common.permissions.P), only the roles one of them admits."""
    _check_permissions(permissions)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if _authenticate() != "staff":
                raise errors.Forbidden("该接口仅供工作人员使用")
            if permissions and not any(p.allows(g.staff) for p in permissions):
                raise errors.Forbidden("当前角色无权进行此操作")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _check_permissions(permissions) -> None:
    """A guard names permissions of the table, never roles (tests/architecture/test_permissions.py)."""
    for p in permissions:
        if not isinstance(p, Permission):
            raise TypeError(f"a guard takes permissions of app.common.permissions, not {p!r}")


def any_authenticated(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        _authenticate()
        return view(*args, **kwargs)
    return wrapper


# --- pure citizen reads: the token check and the owned rows in one statement ----------------------

@functools.cache
def _token_cte():
    t = AuthToken.__table__
    return (sa.select(t.c.subject_type, t.c.subject_id)
            .where(t.c.token_hash == sa.bindparam("_token_hash"), t.c.kind == "access", t.c.revoked_at.is_(None),
                   t.c.expires_at > sa.bindparam("_now", type_=UTCDateTime()))
            .cte("live_token"))


def citizen_owned(resource: sa.Select, owner: sa.ColumnElement, *, order_by: tuple[str, ...] = ()) -> readonly.Read:
    """The statement for a `citizen_read` view: `resource` restricted to rows whose `owner` column is
    the calling citizen, beside the token check. Build it once (it has bind parameters only).

    `resource`'s first column must be non-null on every row (a primary key): the answer is one row
    per resource row, or a single row with that column NULL when the citizen owns nothing that
    matches, or no row at all when the token is not live. `order_by` names resource columns
    ("-name": descending)."""
    tok = _token_cte()
    me = sa.select(tok.c.subject_id).where(tok.c.subject_type == CITIZEN.value).scalar_subquery()
    owned = resource.where(owner == me).subquery("owned")
    stmt = (sa.select(tok.c.subject_type.label("_subject_type"), tok.c.subject_id.label("_subject_id"), owned)
            .select_from(tok.outerjoin(owned, sa.true()))
            .order_by(*(owned.c[n[1:]].desc() if n.startswith("-") else owned.c[n] for n in order_by)))
    read = readonly.Read(stmt)
    read.first_resource_key = stmt.selected_columns[2].key
    return read


def owned_rows(read: readonly.Read, params: dict) -> list[dict]:
    """Run a `citizen_owned` statement for the current request: 401 for a missing, expired, revoked or
    logged-out token, 403 for a staff token, else the citizen's rows (possibly none). Sets
    `g.citizen_id` and `g.citizen` as `citizen_required` does."""
    token = bearer_token()
    if not token:
        raise errors.Unauthorized("请先登录", code="unauthorized")
    rows = readonly.rows(read, {**params, "_token_hash": crypto.token_hash(token), "_now": utcnow()})
    if not rows:
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    first = rows[0]
    if first["_subject_type"] != CITIZEN:
        _set_staff(first["_subject_id"])  # an unusable staff account is 401 as on every other route
        raise errors.Forbidden("该接口仅供小程序用户使用")
    _set_citizen(first["_subject_id"])
    g._owned_read_checked = True
    return rows if first[read.first_resource_key] is not None else []


def citizen_read(view):
    """For a view that reads only what the calling citizen owns, through `owned_rows`. Without a
    token it answers 401 before any query; a view that returns without having called `owned_rows`
    is a programming error and fails closed (500, nothing sent)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not bearer_token():
            raise errors.Unauthorized("请先登录", code="unauthorized")
        g._owned_read_checked = False
        result = view(*args, **kwargs)
        if not g._owned_read_checked:
            raise RuntimeError(f"{view.__name__} is declared citizen_read but never called owned_rows")
        return result
    return wrapper
