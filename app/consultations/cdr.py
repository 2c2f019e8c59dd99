"""Import of the telephony system's call-detail export (CDR, CSV).

Tolerates what real exports look like: UTF-8 with or without BOM or GBK/GB18030 (Excel on Chinese
Windows); Chinese or English headers in any order, unknown columns ignored; local times
(Asia/Shanghai) as YYYY-MM-DD HH:MM:SS or YYYY/MM/DD HH:MM[:SS]; callers with +86 or a leading 0.
A bad row is reported with its line number and a Chinese reason; the others are imported.
The call id is the idempotency key: importing the same file twice adds nothing.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging

import sqlalchemy as sa

from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.centres import service as centres
from app.common.models import upsert_insert
from app.common.permissions import Role
from app.common.timeutil import LOCAL_TZ, UTC, utcnow
from app.consultations import cdr_formats, flows, phones
from app.consultations.models import CallImport, Consultation
from app.consultations.service import build_row, default_area_code
from app.extensions import db

log = logging.getLogger(__name__)

COLUMNS = {
    "call_id": ("呼叫id", "呼叫编号", "call_id", "callid", "call_uuid"),
    "caller": ("主叫号码", "主叫", "来电号码", "caller", "caller_number", "calling_number", "ani"),
    "ring_at": ("振铃时间", "ring_at", "ring_time", "ring_start"),
    "answered_at": ("应答时间", "接听时间", "answered_at", "answer_time", "answered"),
    "ended_at": ("结束时间", "挂机时间", "ended_at", "end_time", "ended"),
    "agent": ("坐席工号", "工号", "agent", "agent_id", "agent_no"),
    "recording": ("录音文件", "录音", "recording", "recording_file"),
}
LABELS = {"call_id": "呼叫ID", "caller": "主叫号码", "ring_at": "振铃时间", "answered_at": "应答时间",
          "ended_at": "结束时间", "agent": "坐席工号", "recording": "录音文件"}
REQUIRED = ("call_id", "caller", "ring_at")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
MAX_ERRORS_KEPT = 1000
CHUNK = 2000


class FileRejected(ValueError):
    """The whole file cannot be read (encoding, header)."""


def _norm(h: str) -> str:
    return (h or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


_ALIAS = {_norm(a): key for key, aliases in COLUMNS.items() for a in aliases}


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise FileRejected("无法识别文件编码（支持 UTF-8、GBK/GB18030）") from None


def parse_time(value: str | None) -> dt.datetime | None:
    s = (value or "").strip()
    if not s:
        return None
    if len(s) == 19 and s[4] == s[7] == "-" and s[10] == " " and s[13] == s[16] == ":" and s[17:].isdigit():
        # YYYY-MM-DD HH:MM:SS, what switches export: the fast path
        try:
            return dt.datetime.fromisoformat(s).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
        except ValueError:
            pass
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(s)


def read_rows(raw: bytes) -> tuple[str, dict[str, int], list[tuple[int, list[str]]]]:
    """(encoding, {column: index}, [(line number, fields)])."""
    text, encoding = decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("文件为空") from None
    except csv.Error as exc:
        raise FileRejected(f"无法解析表头：{exc}") from None
    mapping: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _ALIAS.get(_norm(name))
        if key and key not in mapping:
            mapping[key] = i
    missing = [LABELS[k] for k in REQUIRED if k not in mapping]
    if missing:
        raise FileRejected("缺少必需的列：" + "、".join(missing))
    rows = []
    while True:
        # A record the csv module cannot read (a field beyond its limit, a stray quote) rejects that
        # record with its line number; the reader starts afresh on the next line and the others import
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append((reader.line_num, BadRecord(_csv_reason(exc))))
            continue
        if not any((f or "").strip() for f in fields):
            continue  # blank line
        rows.append((reader.line_num, fields))
    return encoding, mapping, rows


def read_any(raw: bytes, agents: dict) -> tuple[str, str, dict[str, int], list]:
    """(format, encoding, {column: index}, [(line number, fields)]) for the platform's CSV or a switch's
    own file (Asterisk Master.csv or queue_log, FreeSWITCH mod_cdr_csv or mod_json_cdr), detected."""
    text, encoding = decode(raw)
    kind = cdr_formats.detect(text)
    if kind == "csv":
        encoding, mapping, rows = read_rows(raw)
        return kind, encoding, mapping, rows
    rows = cdr_formats.rows_for(kind, text, agents)
    if not rows:
        raise FileRejected(f"{cdr_formats.LABELS[kind]} 文件中没有呼叫记录")
    return kind, encoding, dict(cdr_formats.MAPPING), rows


MAX_FIELD_CHARS = 2000  # no CDR column holds more; a longer one rejects its row


class BadRecord(list):
    """A record the reader could not parse: carries the reason instead of fields."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"字段过长（超过 {csv.field_size_limit()} 个字符），该行未导入"
    return f"无法解析：{text}"


def _field(fields, mapping, key) -> str:
    i = mapping.get(key)
    return (fields[i] if i is not None and i < len(fields) else "").strip()


def _parse_row(fields, mapping, agents: dict[str, int | None], area: str) -> dict:
    """One CSV record -> validated values, or ValueError with the Chinese reason."""
    if isinstance(fields, BadRecord):
        raise ValueError(fields.reason)
    for i, value in enumerate(fields):
        if len(value) > MAX_FIELD_CHARS:
            raise ValueError(f"第 {i + 1} 列过长（{len(value)} 个字符，最多 {MAX_FIELD_CHARS}）")
    call_id = _field(fields, mapping, "call_id")
    if not call_id:
        raise ValueError("呼叫ID为空")
    if len(call_id) > 64:
        raise ValueError("呼叫ID过长（最多64个字符）")
    try:
        caller = phones.normalise(_field(fields, mapping, "caller"), area)
    except phones.InvalidNumber as exc:
        raise ValueError(f"主叫号码无效：{exc}") from None
    times = {}
    for key in ("ring_at", "answered_at", "ended_at"):
        try:
            times[key] = parse_time(_field(fields, mapping, key))
        except ValueError as exc:
            raise ValueError(f"{LABELS[key]}格式无效：{exc}（应为 YYYY-MM-DD HH:MM:SS 或 YYYY/MM/DD HH:MM）") from None
    ring, answered, ended = times["ring_at"], times["answered_at"], times["ended_at"]
    if ring is None:
        raise ValueError("振铃时间为空")
    if answered is not None and answered < ring:
        raise ValueError("应答时间早于振铃时间")
    if ended is not None and ended < (answered or ring):
        raise ValueError("结束时间早于应答或振铃时间")
    if ring > utcnow() + dt.timedelta(hours=1):
        raise ValueError("振铃时间晚于当前时间")
    agent = _field(fields, mapping, "agent")
    lawyer_id = None
    if agent:
        if agent not in agents:
            raise ValueError(f"坐席工号不存在：{agent}")
        lawyer_id = agents[agent]
        if lawyer_id is None:
            raise ValueError(f"坐席工号 {agent} 不是值班律师")
    recording = _field(fields, mapping, "recording") or None
    if recording:
        from storage.base import validate_key
        try:
            validate_key(recording)
        except ValueError:
            raise ValueError("录音文件名无效") from None
    return dict(call_id=call_id, caller=caller, ring_at=ring, answered_at=answered, ended_at=ended,
                agent_no=agent or None, duty_lawyer_id=lawyer_id, recording_key=recording)


TIME_FORMAT_LABELS = ("2026-03-02 09:15:30", "2026/03/02 09:15:30", "2026/03/02 09:15", "2026-03-02 09:15")


def columns_doc() -> list[dict]:
    """The columns the import reads, for the import page: name, accepted headers, required or not."""
    notes = {"call_id": "话务系统的呼叫唯一编号；同一编号再次导入不会重复记录",
             "caller": "手机号或带区号的座机，可带 +86 或前导 0",
             "ring_at": "北京时间", "answered_at": "未接通的来电留空", "ended_at": "未接通的来电可留空",
             "agent": "须为下列已登记的值班律师工号；留空则不关联律师", "recording": "录音在存储中的路径，可留空"}
    return [{"key": k, "label": LABELS[k], "headers": COLUMNS[k], "required": k in REQUIRED, "note": notes.get(k, "")}
            for k in COLUMNS]


def known_agents() -> list[dict]:
    """Staff numbers the import knows, with who they are: a duty lawyer's number links the call to them;
    any other staff number is refused for its row (only duty lawyers answer the hotline)."""
    rows = db.session.execute(sa.select(StaffUser.staff_no, StaffUser.full_name, StaffUser.username, StaffUser.role,
                                        StaffUser.is_active)
                              .where(StaffUser.staff_no.isnot(None)).order_by(StaffUser.staff_no)).all()
    return [{"staff_no": r.staff_no, "name": r.full_name or r.username, "accepted": r.role == Role.duty_lawyer,
             "active": r.is_active} for r in rows]


def _agents() -> dict[str, int | None]:
    rows = db.session.execute(sa.select(StaffUser.staff_no, StaffUser.id, StaffUser.role)
                              .where(StaffUser.staff_no.isnot(None))).all()
    return {r.staff_no: (r.id if r.role == Role.duty_lawyer else None) for r in rows}


def create_import(filename: str | None, raw: bytes, actor=None, storage_key: str | None = None) -> CallImport:
    imp = CallImport(filename=(filename or "")[:255] or None, storage_key=storage_key,
                     sha256=hashlib.sha256(raw).hexdigest(), status="pending",
                     created_by_id=getattr(actor, "id", None), created_at=utcnow(), errors=[],
                     centre_id=centres.centre_for_new(actor))  # the importing centre
    db.session.add(imp)
    db.session.flush()
    audit("consultation.import", actor=actor, object_type="call_import", object_id=imp.id,
          details={"filename": imp.filename, "sha256": imp.sha256, "bytes": len(raw)})
    db.session.commit()
    return imp


def run_import(imp: CallImport, raw: bytes, chunk: int = CHUNK) -> CallImport:
    """Import every good row of `raw` into consultations; progress and errors on `imp` (committed per chunk)."""
    imp.status = "running"
    db.session.commit()
    agents, area = _agents(), default_area_code()
    try:
        kind, encoding, mapping, rows = read_any(raw, agents)
    except FileRejected as exc:
        imp.status, imp.message, imp.finished_at = "failed", str(exc), utcnow()
        db.session.commit()
        return imp
    imp.encoding, imp.total_rows = encoding, len(rows)
    db.session.commit()
    seen: set[str] = set()
    errors_: list[dict] = list(imp.errors or [])
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        good = []
        for line, fields in part:
            try:
                v = _parse_row(fields, mapping, agents, area)
            except ValueError as exc:
                imp.error_count += 1
                if len(errors_) < MAX_ERRORS_KEPT:
                    errors_.append({"line": line, "reason": str(exc)})
                continue
            if v["call_id"] in seen:
                imp.duplicates += 1
                continue
            seen.add(v["call_id"])
            good.append(v)
        inserted = _insert_chunk(imp, good) if good else 0
        imp.inserted += inserted
        imp.duplicates += len(good) - inserted
        imp.processed_rows += len(part)
        imp.errors = list(errors_)
        db.session.commit()
    imp.status, imp.finished_at = "done", utcnow()
    what = "行" if kind == "csv" else "个呼叫"
    imp.message = (f"{cdr_formats.LABELS[kind]}，共 {imp.total_rows} {what}：导入 {imp.inserted}，"
                   f"重复 {imp.duplicates}，错误 {imp.error_count}")
    db.session.commit()
    return imp


def _insert_chunk(imp: CallImport, good: list[dict]) -> int:
    existing = set(db.session.scalars(sa.select(Consultation.call_id).where(
        Consultation.call_id.in_([v["call_id"] for v in good]))).all())
    todo = [v for v in good if v["call_id"] not in existing]
    if not todo:
        return 0
    mobiles = sorted({v["caller"].number for v in todo if v["caller"].kind == "mobile"})
    citizens: dict[str, list[int]] = {}
    if mobiles:
        for phone, cid in db.session.execute(sa.select(Citizen.phone, Citizen.id).where(Citizen.phone.in_(mobiles))):
            citizens.setdefault(phone, []).append(cid)
    now = utcnow()
    values = []
    for v in todo:
        caller = v.pop("caller")
        matches = citizens.get(caller.number, [])
        values.append(build_row(caller, v.pop("ring_at"), v.pop("answered_at"), v.pop("ended_at"),
                                source="import", import_id=imp.id, citizen_id=matches[0] if len(matches) == 1 else None,
                                topic_suggested=False, created_by_id=imp.created_by_id, created_at=now, updated_at=now,
                                centre_id=imp.centre_id,  # the importing centre (the city's hotline by default)
                                **v))
    table = Consultation.__table__
    returned = [table.c[n] for n in _RETURNED]
    if db.session.get_bind().dialect.name == "postgresql":
        calls = _copy_in(table, values, returned)
    else:  # one statement compiled once and run for the chunk (executemany)
        stmt = upsert_insert(table).on_conflict_do_nothing(index_elements=["call_id"]).returning(*returned)
        calls = db.session.execute(stmt, values).all()
    if not calls:
        return 0
    # what the rollups and the repeat-caller check read came back with the insert: no reload
    flows.calls_recorded(calls)
    return len(calls)


def _copy_in(table: sa.Table, values: list[dict], returned: list) -> list:
    """PostgreSQL: the chunk goes in by COPY into a staging table that lives for this transaction only
    (ON COMMIT DROP: nothing survives into a pooled session behind PgBouncer), then one INSERT … SELECT
    skips call ids already there. A long parametrised statement would cost more in the driver (psycopg
    parses its placeholders) than the database spends on the rows."""
    cols = list(values[0])
    dialect = db.session.get_bind().dialect
    procs = [(i, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for i, c in enumerate(cols)]
    procs = [(i, p) for i, p in procs if p is not None]
    conn = db.session.connection()
    conn.exec_driver_sql("CREATE TEMP TABLE cdr_stage ON COMMIT DROP AS SELECT "
                         + ", ".join(f'"{c}"' for c in cols) + " FROM consultations WITH NO DATA")
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy("COPY cdr_stage (" + ", ".join(f'"{c}"' for c in cols) + ") FROM STDIN") as copy:
            for v in values:
                row = [v[c] for c in cols]
                for i, p in procs:
                    row[i] = p(row[i])
                copy.write_row(row)
    stage = sa.table("cdr_stage", *[sa.column(c) for c in cols])
    stmt = (upsert_insert(table).from_select(cols, sa.select(*[stage.c[c] for c in cols]))
            .on_conflict_do_nothing(index_elements=["call_id"]).returning(*returned))
    rows = conn.execute(stmt).all()
    conn.exec_driver_sql("DROP TABLE cdr_stage")  # a second chunk in the same transaction makes its own
    return rows


_RETURNED = ("id", "caller_hash", "caller_masked", "citizen_id", "region", "province", "topic", "ring_at", "answered_at",
             "wait_seconds", "duration_seconds", "local_date", "local_hour", "duty_lawyer_id", "centre_id")


def import_file(raw: bytes, filename: str | None = None, actor=None, chunk: int = CHUNK) -> CallImport:
    imp = create_import(filename, raw, actor)
    return run_import(imp, raw, chunk=chunk)
