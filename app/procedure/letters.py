"""Written decisions (法律文书) as PDF: rendered with fpdf2, which embeds a subset of the CJK font the
install provides (Debian fonts-noto-cjk by default, `LETTER_FONT`); numbered per series (prefix) and
year in the configured format without gaps or duplicates; stored once under a new key in object
storage (never overwritten) with the SHA-256 of the bytes.

Numbering: the counter row of (series, year) is incremented with one UPDATE in the caller's
transaction, which locks the row until commit (PostgreSQL) or holds the database's write lock
(SQLite); the letter row is inserted in the same transaction, so a failed letter gives its number
back (no gap) and two letters never share one (the unique (series, year, seq) index is the last
guard)."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import time
import logging
import os
import re
import threading
from pathlib import Path

import jinja2
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (Session events)
from flask import current_app

import storage
from app import errors
from app.centres import service as centres
from app.applications.models import SERVICE_TYPES, Application
from app.auth.models import StaffUser
from app.common.timeutil import LOCAL_TZ, local_today, utcnow
from app.documents.models import KINDS
from app.extensions import db
from app.notifications import service as notifications
from app.procedure import law
from app.procedure.clocks import calendar, local_date
from app.procedure.models import LETTER_KINDS, Letter, LetterCounter, SupplementNotice, read_state
from app.storage_bridge import get_storage

# fontTools logs every subsetting step at INFO
logging.getLogger("fontTools").setLevel(logging.WARNING)

SERIES_OF_KIND = {"grant": "DECISION", "refusal": "DECISION", "expedite": "DECISION", "termination": "DECISION",
                  "supplement_notice": "NOTICE", "assignment": "ASSIGNMENT",
                  "lawyer_change": "CHANGE"}


def series_prefix(kind: str, centre_id: int | None = None) -> str:
    """The centre's prefix of the kind's series (prefixes are unique across centres, so a series is one
    centre's: numbers run per centre and year)."""
    key = f"LETTER_PREFIX_{SERIES_OF_KIND[kind]}"
    return centres.settings(centre_id).get(key) or current_app.config[key]  # a series no centre overrides: the province's


def next_number(kind: str, year: int, centre_id: int | None = None) -> tuple[str, int, str]:
    """(series, seq, formatted number), reserved in the current transaction."""
    prefix = series_prefix(kind, centre_id)
    table = LetterCounter.__table__
    bump = (sa.update(table).where(table.c.series == prefix, table.c.year == year)
            .values(last_seq=table.c.last_seq + 1).returning(table.c.last_seq))
    seq = db.session.execute(bump).scalar()
    if seq is None:
        # first letter of the series this year: create the row (a concurrent creator wins, we bump after)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.session.execute(insert(table).values(series=prefix, year=year, last_seq=0).on_conflict_do_nothing())
        seq = db.session.execute(bump).scalar()
    number = current_app.config["LETTER_NUMBER_FORMAT"].format(prefix=prefix, year=year, seq=seq)
    return prefix, seq, number


def issue(app_, kind: str, data: dict, *, actor=None) -> Letter:
    """Number, render and store a letter in the caller's transaction (the caller commits).
    `data` is the letter's structured content: {"title", "paragraphs": [...], "recipient", ...}."""
    now = utcnow()
    year = now.astimezone(LOCAL_TZ).year
    _common_font(current_app.config["LETTER_FONT"])  # built once, before the number's row lock is taken
    series, seq, number = next_number(kind, year, app_.centre_id)
    own = centres.settings(app_.centre_id)
    content = {"kind": kind, "title": LETTER_KINDS[kind], "number": number,
               "centre": own["CENTRE_NAME"], "centre_address": own["CENTRE_ADDRESS"], "bureau_of_centre": own["BUREAU_NAME"],
               "date": now.astimezone(LOCAL_TZ).date().isoformat(), "reference": app_.reference, **data}
    pdf = render(content)
    sha = hashlib.sha256(pdf).hexdigest()
    key = storage.new_key(f"letters/{year}") + ".pdf"
    st = get_storage()
    try:
        if st.exists(key):  # immutable: never overwrite (a fresh random key makes this practically unreachable)
            raise errors.Conflict("文书存储键冲突，请重试")
        st.put(key, pdf, content_type="application/pdf")
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用，文书未能生成，请稍后重试", code="storage_unavailable") from None
    letter = Letter(application_id=app_.id, kind=kind, series=series, year=year, seq=seq, number=number,
                    issued_at=now, issued_by_id=getattr(actor, "id", None) if getattr(actor, "role", "citizen") != "citizen" else None,
                    storage_key=key, sha256=sha, size=len(pdf), data=content)
    db.session.add(letter)
    try:
        db.session.flush()
    except Exception:
        _forget(key)
        raise
    db.session.info.setdefault("letter_keys", []).append(key)
    return letter


def _forget(key: str) -> None:
    try:
        get_storage().delete(key)
    except (storage.StorageError, RuntimeError):  # RuntimeError: no app context any more
        pass


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _kept(session) -> None:
    session.info.pop("letter_keys", None)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _discard(session) -> None:
    """A letter whose transaction rolled back never existed: delete its object (no orphans)."""
    for key in session.info.pop("letter_keys", []):
        _forget(key)


def _signature(letter_id: int, expires: int) -> str:
    key = hashlib.sha256(b"letters:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{letter_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_url(letter: Letter) -> str:
    """A link to the PDF served by the app (which checks the SHA-256 before sending), valid
    LETTER_URL_TTL seconds; the expiry is rounded up to the minute so the link is stable while polled."""
    expires = (int(time.time()) + current_app.config["LETTER_URL_TTL"] + 59) // 60 * 60
    return f"/api/v1/letters/{letter.id}/pdf?expires={expires}&signature={_signature(letter.id, expires)}"


def check_signature(letter_id: int, expires: str, signature: str) -> bool:
    try:
        exp = int(expires)
    except (TypeError, ValueError):
        return False
    if exp < time.time():
        return False
    return hmac.compare_digest(_signature(letter_id, exp), signature or "")


def read_pdf(letter: Letter) -> bytes:
    """The stored bytes, refused unless they are the ones issued (immutability check)."""
    try:
        data = get_storage().get(letter.storage_key)
    except storage.ObjectNotFound:
        raise errors.NotFound("文书文件不存在") from None
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用", code="storage_unavailable") from None
    if hashlib.sha256(data).hexdigest() != letter.sha256:
        raise errors.ApiError("文书文件校验失败（SHA-256 不符），已拒绝提供", status=500, code="letter_integrity")
    return data


def verify(letter: Letter) -> bool:
    """The stored bytes are the ones issued (SHA-256)."""
    try:
        return hashlib.sha256(get_storage().get(letter.storage_key)).hexdigest() == letter.sha256
    except storage.StorageError:
        return False


def list_for(application_id: int) -> list[Letter]:
    return db.session.scalars(sa.select(Letter).where(Letter.application_id == application_id)
                              .order_by(Letter.issued_at, Letter.id)).all()


# --- rendering ------------------------------------------------------------------------------

@functools.cache
def _font_index(path: str) -> int:
    """The Simplified Chinese face of a font collection (.ttc), else 0."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection
    coll = TTCollection(path, lazy=True)
    for i, font in enumerate(coll.fonts):
        name = font["name"].getDebugName(1) or ""
        if name.endswith(" SC") or "SC" in name.split():
            return i
    return 0


def _common_chars() -> frozenset[str]:
    """ASCII, CJK punctuation, full-width forms and the 6,763 hanzi of GB 2312: what letters almost always use."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0x3000, 0x3040)} \
        | {chr(c) for c in range(0xFF01, 0xFF5F)} | set("　“”‘’…—·《》〔〕（）【】：；，。、？！")
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


_subset_lock = threading.Lock()


def _common_font(font: str) -> tuple[str, frozenset[str]] | None:
    """A font file cut down to the common characters, built once per font and kept under the instance
    folder: loading it takes a fraction of the full CJK collection's time. fpdf2 then embeds the subset
    of it a letter uses, as it would from the full font."""
    folder = Path(current_app.config["INSTANCE_DIR"]) / "fonts"
    stat = os.stat(font)
    path = folder / f"{Path(font).stem}-{_font_index(font)}-{int(stat.st_mtime)}-{stat.st_size}-common.otf"
    chars = _common_chars()
    with _subset_lock:
        if not path.exists():
            from fontTools import subset as ftsubset
            from fontTools.ttLib import TTFont
            folder.mkdir(parents=True, exist_ok=True)
            full = TTFont(font, fontNumber=_font_index(font), lazy=False)
            options = ftsubset.Options()
            options.layout_features = []
            options.name_IDs = ["*"]
            options.notdef_outline = True
            sub = ftsubset.Subsetter(options)
            sub.populate(unicodes=[ord(c) for c in chars])
            sub.subset(full)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            full.save(str(tmp))
            os.replace(tmp, path)
    return str(path), chars


def _text_of(content) -> set[str]:
    if isinstance(content, str):
        return set(content)
    if isinstance(content, dict):
        return set().union(*(_text_of(v) for v in content.values())) if content else set()
    if isinstance(content, (list, tuple)):
        return set().union(*(_text_of(v) for v in content)) if content else set()
    return set(str(content)) if content is not None else set()


def render(content: dict) -> bytes:
    from fpdf import FPDF

    font = current_app.config["LETTER_FONT"]
    index = _font_index(font)
    common = _common_font(font)
    if common and _text_of(content) <= common[1]:
        font, index = common[0], 0  # every character is in the common cut: load the small file
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.set_title(f"{content['title']} {content['number']}")
    pdf.set_author(content["centre"])
    pdf.set_creation_date(dt.datetime.fromisoformat(content["date"]).replace(tzinfo=LOCAL_TZ))
    pdf.add_font("cjk", fname=font, collection_font_number=index)
    pdf.add_page()

    def cell(h, text, align="L"):
        pdf.multi_cell(0, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("cjk", size=18)
    cell(10, content["centre"], "C")
    pdf.set_font("cjk", size=22)
    cell(14, content["title"], "C")
    pdf.set_font("cjk", size=12)
    cell(8, content["number"], "R")
    pdf.ln(4)
    if content.get("recipient"):
        cell(8, f"{content['recipient']}：")
    for para in content.get("paragraphs") or []:
        cell(8, "　　" + para)
        pdf.ln(1)
    for label, rows in (content.get("sections") or {}).items():
        pdf.ln(2)
        cell(8, label)
        for row in rows:
            cell(8, "　　" + row)
    pdf.ln(10)
    cell(8, content["centre"], "R")
    d = dt.date.fromisoformat(content["date"])
    cell(8, f"{d.year}年{d.month}月{d.day}日", "R")
    pdf.ln(6)
    pdf.set_font("cjk", size=9)
    cell(6, f"地址：{content['centre_address']}　申请编号：{content.get('reference') or '—'}")
    return bytes(pdf.output())


# --- out: the letters with signed URLs; the wording of each letter --------------------------------------

def letter_out(letter: Letter, *, iso: bool = True) -> dict:
    return {"id": letter.id, "kind": letter.kind, "kind_label": LETTER_KINDS[letter.kind], "number": letter.number,
            "issued_at": letter.issued_at.isoformat() if iso else letter.issued_at, "sha256": letter.sha256,
            "url": signed_url(letter)}


def letters_out(application_id: int) -> list[dict]:
    """The application's letters with signed URLs (the same list for the citizen and the staff)."""
    return [letter_out(l) for l in list_for(application_id)]


def announce(app_: Application, letter: Letter):
    return notifications.letter_issued(app_, LETTER_KINDS[letter.kind], letter.number)


def _who(app_: Application) -> str:
    return app_.applicant_name or "申请人"


def _date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@functools.cache
def _wording_env() -> jinja2.Environment:
    """The letters' wording: app/procedure/templates/letters/<kind>.txt (plain text, no escaping)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "letters"),
                             autoescape=False, undefined=jinja2.StrictUndefined)
    env.filters["date_cn"] = _date_cn
    return env


def paragraphs(template: str, **context) -> list[str]:
    """A letter's paragraphs from its template: separated by a blank line; the lines of one paragraph are
    joined without a space (Chinese text)."""
    text = _wording_env().get_template(template).render(**context)
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    return ["".join(line.strip() for line in block.splitlines()) for block in blocks if block.strip()]


def _objection_route(app_: Application, ps) -> dict:
    cfg = {**current_app.config, **centres.settings(app_.centre_id)}
    return {"objection_period_days": cfg["OBJECTION_PERIOD_DAYS"], "objection_due": ps.objection_due,
            "bureau": cfg["BUREAU_NAME"], "bureau_address": (cfg.get("BUREAU_ADDRESS") or "").strip(),
            "objection_decide_workdays": cfg["OBJECTION_DECIDE_WORKDAYS"]}


def _submitted(app_: Application) -> dt.date:
    return local_date(app_.submitted_at) or local_today()


def grant_content(app_: Application) -> dict:
    ps = read_state(app_)
    due = calendar().add_workdays(ps.assign_clock_from, current_app.config["ASSIGN_WORKDAYS"])
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "paragraphs": paragraphs(
        "grant.txt", submitted=_submitted(app_), category=app_.category, grounds=ps.decision_grounds,
        assign_due=due, decision_reason=app_.decision_reason),
        "assign_due": due.isoformat()}


def refusal_content(app_: Application) -> dict:
    ps = read_state(app_)
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "reason": app_.decision_reason,
            "objection_due": ps.objection_due.isoformat(), "bureau": centres.settings(app_.centre_id)["BUREAU_NAME"],
            "paragraphs": paragraphs("refusal.txt", submitted=_submitted(app_), grounds=ps.decision_grounds,
                                     decision_reason=app_.decision_reason, **_objection_route(app_, ps))}


def expedite_content(app_: Application) -> dict:
    ps = read_state(app_)
    ground = law.EXPEDITE_GROUNDS.get(ps.expedite_ground or "", ("第四十四条", "先行提供法律援助的情形"))
    missing = "、".join(KINDS.get(k, k) for k in app_.backfill_kinds or []) or "无"
    due = app_.backfill_due_at.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M") if app_.backfill_due_at else "—"
    return {"recipient": _who(app_), "ground": {"key": ps.expedite_ground, "article": ground[0], "text": ground[1]},
            "backfill": app_.backfill_kinds or [], "paragraphs": paragraphs(
                "expedite.txt", ground_article=ground[0], ground_text=ground[1], backfill_due=due, missing=missing,
                expedite_reason=app_.expedite_reason)}


def assignment_content(app_: Application, *, replaces: str | None = None) -> dict:
    """指派通知书 to the lawyer (with their firm); `replaces`: the lawyer replaced after a change (Art. 55)."""
    lawyer = db.session.get(StaffUser, app_.assigned_lawyer_id)
    name = lawyer.display_name if lawyer else "法律援助人员"
    firm = lawyer.law_firm if lawyer else None
    granted = local_date(read_state(app_).decided_at) or local_today()
    return {"recipient": f"{name}（{firm}）" if firm else name, "lawyer_id": app_.assigned_lawyer_id, "law_firm": firm,
            "paragraphs": paragraphs("assignment.txt", who=_who(app_), reference=app_.reference, category=app_.category,
                                     granted_on=_date_cn(granted), service=SERVICE_TYPES.get(app_.service_type or "", "—"),
                                     replaces=replaces, closing_days=current_app.config["CLOSING_PERIOD_DAYS"],
                                     phone=app_.phone)}


def termination_content(app_: Application) -> dict:
    ps = read_state(app_)
    table = {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}
    article, text = table[ps.termination_ground]
    return {"recipient": _who(app_), "ground": {"key": ps.termination_ground, "article": article, "text": text},
            "reason": app_.decision_reason, "objection_due": ps.objection_due.isoformat(),
            "bureau": centres.settings(app_.centre_id)["BUREAU_NAME"], "paragraphs": paragraphs(
                "termination.txt", reference=app_.reference, ground_article=article, ground_text=text,
                decision_reason=app_.decision_reason, **_objection_route(app_, ps))}


def notice_content(app_: Application, notice: SupplementNotice) -> dict:
    rows = [f"{i + 1}. {item['label']}" for i, item in enumerate(notice.items)]
    return {"recipient": _who(app_), "items": notice.items, "due_date": notice.due_date.isoformat(),
            "paragraphs": paragraphs("supplement_notice.txt", reference=app_.reference, due_date=notice.due_date,
                                     note=notice.note),
            "sections": {"需要补充的材料：": rows}}


def grant_after_expedite_content(app_: Application) -> dict:
    ps = read_state(app_)
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "paragraphs": paragraphs(
        "grant_after_expedite.txt", grounds=ps.decision_grounds, decision_reason=app_.decision_reason)}
