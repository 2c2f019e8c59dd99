"""Authentication: WeChat login for citizens, passwords for staff, opaque bearer tokens."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from app import errors
from app.centres import service as centres
from app.auth.models import AuthToken, Citizen, StaffUser
from app.common.permissions import CITIZEN, STAFF_ROLES
from app.common import crypto
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db
from app.wechat_bridge import call_wechat

log = logging.getLogger(__name__)
_hasher = PasswordHasher()

MAX_FAILED_LOGINS = 5
# Staff usernames: letters, digits, _ . - (nothing a spreadsheet or a log could read as code)
USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{3,64}")
LOCKOUT = dt.timedelta(minutes=15)


# --- tokens -----------------------------------------------------------------

def issue_tokens(subject_type: str, subject_id: int, *, family: str | None = None) -> dict:
    """A new access + refresh pair. Rotation passes the old family, so a replay can end the whole chain."""
    now = utcnow()
    family = family or secrets.token_hex(16)
    access, refresh = crypto.new_token(), crypto.new_token()
    access_exp = now + dt.timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL"])
    refresh_exp = now + dt.timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"])
    db.session.add_all([
        AuthToken(token_hash=crypto.token_hash(access), kind="access", family=family,
                  subject_type=subject_type, subject_id=subject_id, expires_at=access_exp, created_at=now),
        AuthToken(token_hash=crypto.token_hash(refresh), kind="refresh", family=family,
                  subject_type=subject_type, subject_id=subject_id, expires_at=refresh_exp, created_at=now),
    ])
    return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": current_app.config["ACCESS_TOKEN_TTL"], "expires_at": access_exp}


@functools.cache
def _live_token_stmt():
    # Built once: every API request runs it, so skip re-constructing the expression each time
    return (sa.select(AuthToken.subject_type, AuthToken.subject_id)
            .where(AuthToken.token_hash == sa.bindparam("th"), AuthToken.kind == "access",
                   AuthToken.revoked_at.is_(None), AuthToken.expires_at > sa.bindparam("now", type_=UTCDateTime())))


def subject_of_access_token(token: str) -> tuple[str, int] | None:
    """(subject_type, subject_id) of a live (not expired, not revoked) access token."""
    row = db.session.connection().execute(_live_token_stmt(), {"th": crypto.token_hash(token), "now": utcnow()}).first()
    return None if row is None else (row.subject_type, row.subject_id)


def refresh_tokens(refresh_token: str) -> dict:
    """Rotate a refresh token. The new pair stays in the same family; presenting a refresh token that
    was already rotated (a replay: stolen, or a racing client) revokes the whole family, including
    the tokens issued after it."""
    row = db.session.scalar(sa.select(AuthToken).where(AuthToken.token_hash == crypto.token_hash(refresh_token)))
    if row is None or row.kind != "refresh" or row.expires_at <= utcnow():
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    # Claim the token atomically: of two concurrent uses only one wins, the other counts as a replay
    claimed = db.session.execute(sa.update(AuthToken).where(AuthToken.id == row.id, AuthToken.revoked_at.is_(None))
                                 .values(revoked_at=utcnow())).rowcount
    if not claimed:
        _revoke_family(row.family)
        db.session.commit()
        log.warning("refresh token replayed: family revoked subject=%s:%s", row.subject_type, row.subject_id)
        raise errors.Unauthorized("登录已失效，请重新登录", code="invalid_token")
    _revoke_family(row.family)  # the access token issued with it
    tokens = issue_tokens(row.subject_type, row.subject_id, family=row.family)
    db.session.commit()
    return tokens


def revoke(token: str) -> None:
    """Log out: the access token and its refresh token stop working at once."""
    row = db.session.scalar(sa.select(AuthToken).where(AuthToken.token_hash == crypto.token_hash(token)))
    if row is not None:
        _revoke_family(row.family)
        db.session.commit()


def _revoke_family(family: str) -> None:
    db.session.execute(sa.update(AuthToken).where(AuthToken.family == family, AuthToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


# --- citizens -----------------------------------------------------------------

def wechat_login(code: str) -> tuple[Citizen, dict, bool]:
    """code2Session, find or create the citizen by openid, issue tokens. Returns (citizen, tokens, created)."""
    info = call_wechat(lambda wx: wx.code_to_session(code))
    openid = info["openid"]
    citizen = db.session.scalar(sa.select(Citizen).where(Citizen.openid == openid))
    created = citizen is None
    if created:
        citizen = Citizen(openid=openid)
        db.session.add(citizen)
    if info.get("unionid"):
        citizen.unionid = info["unionid"]
    citizen.session_key_enc = crypto.encrypt(info["session_key"])
    citizen.last_login_at = utcnow()
    db.session.flush()
    tokens = issue_tokens(CITIZEN.value, citizen.id)
    db.session.commit()
    log.info("citizen login id=%s new=%s", citizen.id, created)
    return citizen, tokens, created


def bind_phone(citizen: Citizen, *, code: str | None = None, encrypted_data: str | None = None,
               iv: str | None = None) -> Citizen:
    if code:
        info = call_wechat(lambda wx: wx.get_phone_number(code))
    elif encrypted_data and iv:
        session_key = crypto.decrypt(citizen.session_key_enc) if citizen.session_key_enc else None
        if not session_key:
            raise errors.Unauthorized("登录状态已失效，请重新登录后再授权手机号", code="session_expired")
        info = call_wechat(lambda wx: wx.decrypt_phone(session_key, encrypted_data, iv))
    else:
        raise errors.ValidationFailed("请提供 code，或 encrypted_data 与 iv")
    phone = info.get("pure_phone_number") or info.get("phone_number")
    if not phone:
        raise errors.BadRequest("未能获取手机号", code="invalid_payload")
    citizen.phone = phone
    citizen.phone_country_code = str(info.get("country_code") or "86")
    citizen.phone_bound_at = utcnow()
    current_app.extensions["auth"]["on_phone_bound"](citizen)  # app.documents.flows.phone_bound (app.auth.init_app)
    db.session.commit()
    return citizen


def text_is_safe(citizen: Citizen | None, text: str | None) -> None:
    """WeChat content security (msgSecCheck v2) on citizen free text; risky → 422."""
    if not text or not text.strip() or citizen is None:
        return
    ok = call_wechat(lambda w: w.msg_sec_check(citizen.openid, text[:2500]))
    if not ok:
        raise errors.ValidationFailed("内容含有不适宜发布的信息，请修改后重新提交", code="content_risky")


# --- staff ------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff(username: str, password: str, role: str, *, full_name: str = "", staff_no: str | None = None,
                 **extra) -> StaffUser:
    if not USERNAME_RE.fullmatch(username or ""):
        raise errors.ValidationFailed("用户名只能包含字母、数字和 _ . -，长度 3–64 位",
                                      details={"fields": {"username": ["只能包含字母、数字和 _ . -，长度 3–64 位"]}})
    if role not in STAFF_ROLES:
        raise errors.ValidationFailed(f"角色无效，应为：{'、'.join(STAFF_ROLES)}",
                                      details={"fields": {"role": [f"应为：{'、'.join(r.label for r in STAFF_ROLES)}"]}})
    if len(password) < 10:
        raise errors.ValidationFailed("密码至少 10 位")
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == username)):
        raise errors.Conflict("用户名已存在")
    if extra.get("centre_id") is None:
        extra["centre_id"] = centres.default_centre().id  # the city centre (city-level roles belong there)
    elif centres.get(extra["centre_id"]) is None:
        raise errors.ValidationFailed("所属中心不存在", details={"fields": {"centre_id": ["所属中心不存在"]}})
    user = StaffUser(username=username, password_hash=hash_password(password), role=str(role),
                     full_name=full_name, staff_no=staff_no, **extra)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate_staff(username: str, password: str) -> StaffUser:
    """Password check with lockout after repeated failures. The same message for every failure.

    The failure counter is updated with one atomic UPDATE (never read-modify-write), so failures
    arriving together are all counted; a success only resets the counter if the account is not
    locked at that instant."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    now = utcnow()
    generic = errors.Unauthorized("用户名或密码错误", code="invalid_credentials")
    if user is None:
        _hasher.hash(password)  # similar timing for unknown users
        raise generic
    locked = errors.TooManyRequests("登录失败次数过多，账号已临时锁定，请 15 分钟后再试", code="account_locked")
    if user.locked_until and user.locked_until > now:
        raise locked
    if user.locked_until is not None:  # a lock that has run out: start counting afresh
        db.session.execute(sa.update(StaffUser).where(StaffUser.id == user.id,
                                                      StaffUser.locked_until == user.locked_until)
                           .values(failed_logins=0, locked_until=None))
        db.session.commit()
    user_id = user.id
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        _count_failure(user_id)
        raise generic
    if not user.is_active:
        raise errors.Forbidden("账号已停用", code="account_disabled")
    now = utcnow()
    values = dict(failed_logins=0, locked_until=None, last_login_at=now)
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    ok = db.session.execute(sa.update(StaffUser).where(
        StaffUser.id == user_id, sa.or_(StaffUser.locked_until.is_(None), StaffUser.locked_until <= now))
        .values(**values)).rowcount
    db.session.commit()
    if not ok:  # failures that arrived meanwhile locked the account
        raise locked
    db.session.refresh(user)
    return user


def _count_failure(user_id: int) -> None:
    now = utcnow()
    bumped = StaffUser.failed_logins + 1
    db.session.execute(sa.update(StaffUser).where(StaffUser.id == user_id).values(
        failed_logins=bumped,
        locked_until=sa.case((bumped >= MAX_FAILED_LOGINS, sa.literal(now + LOCKOUT, UTCDateTime())),
                             else_=StaffUser.locked_until)))
    db.session.commit()


def display_names(ids) -> dict[int, str]:
    """Staff display names by id (for pages that list who did what)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids)))}
