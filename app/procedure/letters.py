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
from app.common.models import upsert_insert
from app.common.objects import read_verified
from app.extensions import db
from storage.signing import ExpiringSigner
from app.common.permissions import CITIZEN, SYSTEM, role_of
from app.notifications import service as notifications
from app.procedure import delivery, law
from app.procedure.clocks import assign_due_of, due, local_date, rule
from app.procedure.models import LETTER_KINDS, Letter, LetterCounter, SupplementNotice, read_state
from app.storage_bridge import get_storage

# fontTools logs every subsetting step at INFO
logging.getLogger("fontTools").setLevel(logging.WARNING)

SERIES_OF_KIND = {"grant": "DECISION", "refusal": "DECISION", "expedite": "DECISION", "termination": "DECISION",
                  "supplement_notice": "NOTICE", "withdrawal": "NOTICE", "receipt": "RECEIPT",
                  "assignment": "ASSIGNMENT", "termination_notice": "ASSIGNMENT", "resumption_notice": "ASSIGNMENT",
                  "bureau_upheld": "BUREAU", "bureau_corrected": "BUREAU", "lawyer_change": "CHANGE"}


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
        db.session.execute(upsert_insert(table).values(series=prefix, year=year, last_seq=0).on_conflict_do_nothing())
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
                    issued_at=now, issued_by_id=getattr(actor, "id", None) if role_of(actor) not in (CITIZEN, SYSTEM) else None,
                    storage_key=key, sha256=sha, size=len(pdf), data=content)
    db.session.add(letter)
    delivery.open_for(letter)  # how it will reach the applicant (送达), in the same transaction
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


def _signer() -> ExpiringSigner:
    return ExpiringSigner(current_app.config["SECRET_KEY"], salt="letters.pdf")


def signed_url(letter: Letter) -> str:
    """A link to the PDF served by the app (which checks the SHA-256 before sending), valid
    LETTER_URL_TTL seconds; the expiry is rounded up to the minute so the link is stable while polled."""
    expires = (int(time.time()) + current_app.config["LETTER_URL_TTL"] + 59) // 60 * 60
    return f"/api/v1/letters/{letter.id}/pdf?expires={expires}&signature={_signer().signature(str(letter.id), expires)}"


def check_signature(letter_id: int, expires: str, signature: str) -> bool:
    return _signer().check(str(letter_id), expires, signature)


def read_pdf(letter: Letter) -> bytes:
    """The stored bytes, refused unless they are the ones issued (immutability check)."""
    return read_verified(letter.storage_key, letter.sha256, "文书", "letter_integrity")


def verify(letter: Letter) -> bool:
    """The stored bytes are the ones issued (SHA-256)."""
    try:
        return hashlib.sha256(get_storage().get(letter.storage_key)).hexdigest() == letter.sha256
    except storage.StorageError:
        return False


def latest(app_, kind: str) -> Letter | None:
    """The application's newest letter of a kind."""
    return db.session.scalar(sa.select(Letter).where(Letter.application_id == app_.id, Letter.kind == kind)
                             .order_by(Letter.id.desc()).limit(1))


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

def letter_out(letter: Letter, *, iso: bool = True, deliveries: dict | None = None) -> dict:
    d = deliveries.get(letter.id) if deliveries is not None else delivery.get(letter.id)
    return {"id": letter.id, "kind": letter.kind, "kind_label": LETTER_KINDS[letter.kind], "number": letter.number,
            "issued_at": letter.issued_at.isoformat() if iso else letter.issued_at, "sha256": letter.sha256,
            "url": signed_url(letter), **delivery.out(d, iso=iso)}


def letters_out(application_id: int, *, iso: bool = True) -> list[dict]:
    """The application's letters with signed URLs and their delivery (the same list for the citizen and the
    staff)."""
    found = delivery.for_application(application_id)
    return [letter_out(l, iso=iso, deliveries=found) for l in list_for(application_id)]


def announce(app_: Application, letter: Letter):
    message = notifications.letter_issued(app_, LETTER_KINDS[letter.kind], letter.number)
    delivery.announced(letter, message)
    return message


def _who(app_: Application) -> str:
    return app_.applicant_name or "申请人"


def _date_cn(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


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


RULE_TEXTS = {"calendar": "期间最后一日为法定节假日或者休息日的，以其后的第一个工作日为期间的最后一日"
                          "（《中华人民共和国民法典》第二百零一条、第二百零三条）",
              "workdays": "按工作日计算，法定节假日和休息日不计入"}


def _cfg(app_: Application) -> dict:
    """The province's settings with the application's centre's own over them (objection period, bureau, ...)."""
    return {**current_app.config, **centres.settings(app_.centre_id)}


def _objection_route(app_: Application, ps) -> dict:
    """Where to object and, only when the centre (or the province) sets a period, by when: from the day after
    delivery; the date given is the last day for a letter delivered the day it is issued. Art. 49 word for word."""
    cfg = _cfg(app_)
    period = cfg["OBJECTION_PERIOD_DAYS"]
    return {"objection_period_days": period,
            "objection_last_day": due("objection_period", local_today(), period) if period else None,
            "objection_rule_text": RULE_TEXTS[rule("objection_period")],
            "bureau": cfg["BUREAU_NAME"], "bureau_address": (cfg.get("BUREAU_ADDRESS") or "").strip(), "art49": law.ART49}


def _submitted(app_: Application) -> dt.date:
    return local_date(app_.submitted_at) or local_today()


def receipt_content(app_: Application) -> dict:
    """收件回执: the day received and the day the review is due (Art. 43)."""
    received = _submitted(app_)
    review_due = due("review", received, current_app.config["REVIEW_DAYS"])
    return {"recipient": _who(app_), "received_on": received.isoformat(), "review_due": review_due.isoformat(),
            "paragraphs": paragraphs("receipt.txt", received_on=received, reference=app_.reference,
                                     category=app_.category, rule_text=RULE_TEXTS[rule("review")],
                                     review_due=review_due, centre_phone=current_app.config["CENTRE_PHONE"])}


def grant_content(app_: Application, *, corrected: bool = False) -> dict:
    """给予法律援助决定书: the basis of the decision actually taken (after an override, its reason); after the
    bureau's order to correct, that order."""
    ps = read_state(app_)
    due_on = assign_due_of(app_.status, ps, app_.legal_deadline) or due(
        "assign", local_today(), current_app.config["ASSIGN_DAYS"])
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "paragraphs": paragraphs(
        "grant.txt", submitted=_submitted(app_), category=app_.category, grounds=ps.decision_grounds,
        assign_due=due_on, decision_reason=None if corrected else app_.decision_reason,
        corrected_by=_cfg(app_)["BUREAU_NAME"] if corrected else None),
        "assign_due": due_on.isoformat()}


def refusal_content(app_: Application) -> dict:
    ps = read_state(app_)
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "reason": app_.decision_reason,
            "bureau": _cfg(app_)["BUREAU_NAME"],
            "paragraphs": paragraphs("refusal.txt", submitted=_submitted(app_), grounds=ps.decision_grounds,
                                     decision_reason=app_.decision_reason, **_objection_route(app_, ps))}


def expedite_content(app_: Application) -> dict:
    ps = read_state(app_)
    ground = law.EXPEDITE_GROUNDS.get(ps.expedite_ground or "", ("第四十四条", "先行提供法律援助的情形"))
    missing = "、".join(KINDS.get(k, k) for k in app_.backfill_kinds or []) or "无"
    due_at = app_.backfill_due_at.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M") if app_.backfill_due_at else "—"
    return {"recipient": _who(app_), "ground": {"key": ps.expedite_ground, "article": ground[0], "text": ground[1]},
            "backfill": app_.backfill_kinds or [], "paragraphs": paragraphs(
                "expedite.txt", ground_article=ground[0], ground_text=ground[1], backfill_due=due_at, missing=missing,
                expedite_reason=app_.expedite_reason)}


def _lawyer(app_: Application) -> StaffUser | None:
    return db.session.get(StaffUser, app_.assigned_lawyer_id) if app_.assigned_lawyer_id else None


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


def _termination_ground(ps) -> tuple[str, str, bool]:
    table = {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}
    article, text = table[ps.termination_ground]
    return article, text, ps.termination_ground in law.EXPEDITE_TERMINATION


def termination_content(app_: Application) -> dict:
    """终止法律援助决定书: Art. 48's ground; a 先行提供 case found not eligible cites Art. 44 and the Ministry's
    procedure rules (not Art. 48 (八))."""
    ps = read_state(app_)
    article, text, after_expedite = _termination_ground(ps)
    return {"recipient": _who(app_), "ground": {"key": ps.termination_ground, "article": article, "text": text},
            "reason": app_.decision_reason, "bureau": _cfg(app_)["BUREAU_NAME"], "paragraphs": paragraphs(
                "termination.txt", reference=app_.reference, ground_article=article, ground_text=text,
                after_expedite=after_expedite, procedure_rules=law.PROCEDURE_RULES,
                decision_reason=app_.decision_reason, **_objection_route(app_, ps))}


def termination_notice_content(app_: Application, decision: Letter) -> dict:
    """终止法律援助通知书 to the lawyer and the lawyer's firm."""
    ps = read_state(app_)
    lawyer = _lawyer(app_)
    article, text, _ = _termination_ground(ps)
    firm = getattr(lawyer, "law_firm", None)
    name = lawyer.display_name if lawyer else "法律援助人员"
    return {"recipient": f"{name}、{firm}" if firm else f"{name}及其所在律师事务所", "lawyer_id": app_.assigned_lawyer_id,
            "decision_number": decision.number, "paragraphs": paragraphs(
                "termination_notice.txt", decided_on=local_today(), aided_name=_who(app_), reference=app_.reference,
                decision_number=decision.number, ground_text=text, article=article)}


def resumption_content(app_: Application, terminated: Letter | None) -> dict:
    """恢复法律援助通知书 to the lawyer and the firm: the bureau undid the termination."""
    lawyer = _lawyer(app_)
    firm = getattr(lawyer, "law_firm", None)
    name = lawyer.display_name if lawyer else "法律援助人员"
    return {"recipient": f"{name}、{firm}" if firm else f"{name}及其所在律师事务所", "lawyer_id": app_.assigned_lawyer_id,
            "paragraphs": paragraphs("resumption_notice.txt", bureau=_cfg(app_)["BUREAU_NAME"],
                                     decided_on=local_today(), aided_name=_who(app_), reference=app_.reference,
                                     termination_number=terminated.number if terminated else "—")}


def notice_content(app_: Application, notice: SupplementNotice) -> dict:
    rows = [f"{i + 1}. {item['label']}" for i, item in enumerate(notice.items)]
    return {"recipient": _who(app_), "items": notice.items, "days": notice.days,
            "paragraphs": paragraphs("supplement_notice.txt", reference=app_.reference, days=notice.days,
                                     rule_text=RULE_TEXTS[rule("supplement")], note=notice.note),
            "sections": {"需要补充的材料：": rows}}


def withdrawal_content(app_: Application, notice: SupplementNotice, notice_letter: Letter | None) -> dict:
    """视为撤回申请通知书: the delivered notice, its last day, what was missing (Art. 43)."""
    return {"recipient": _who(app_), "due_date": notice.due_date.isoformat() if notice.due_date else None,
            "paragraphs": paragraphs(
                "withdrawal.txt", notice_issued_on=local_date(notice.issued_at),
                notice_number=notice_letter.number if notice_letter else "—",
                delivered_on=delivery.delivered_on(notice_letter) if notice_letter else None, due=notice.due_date,
                missing="、".join(i["label"] for i in notice.missing) or "—", reference=app_.reference,
                centre_phone=current_app.config["CENTRE_PHONE"])}


def bureau_content(app_: Application, obj, decision: str, note: str) -> dict:
    """The justice bureau's 维持决定书 (its reasons and the route onwards: Art. 49 ¶3, 行政复议法 Art. 20,
    行政诉讼法 Art. 46) or 责令改正决定书, in the bureau's name."""
    cfg = _cfg(app_)
    against = db.session.get(Letter, obj.against_letter_id) if obj.against_letter_id else None
    lawyer = _lawyer(app_)
    ctx = dict(received_on=local_date(obj.received_at), centre=cfg["CENTRE_NAME"], against=obj.against,
               against_label=obj.against_label + "书", against_number=against.number if against else "—", reasons=note)
    if decision == "uphold":
        text = paragraphs("bureau_upheld.txt", art49_3=law.ART49_3, reconsideration=law.RECONSIDERATION, suit=law.SUIT,
                          reconsideration_body=cfg["RECONSIDERATION_BODY"], **ctx)
    else:
        text = paragraphs("bureau_corrected.txt", lawyer_name=lawyer.display_name if lawyer else None, **ctx)
    return {"recipient": _who(app_), "paragraphs": text, "objection_id": obj.id, "decision": decision,
            "centre": cfg["BUREAU_NAME"], "centre_address": (cfg.get("BUREAU_ADDRESS") or "").strip() or "—"}


def grant_after_expedite_content(app_: Application) -> dict:
    ps = read_state(app_)
    return {"recipient": _who(app_), "grounds": ps.decision_grounds, "paragraphs": paragraphs(
        "grant_after_expedite.txt", grounds=ps.decision_grounds, decision_reason=app_.decision_reason)}
