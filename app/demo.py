"""Demo data for a first look: staff per role, citizens, applications in every state, photos, and the
hotline: two months of calls, live calls with recordings (small real WAV files), a repeat caller who
raises an early warning, ratings (a bad one opens a callback), a supervision sample partly scored."""
from __future__ import annotations

import datetime as dt
import io
import math
import random
import secrets
import struct
import wave

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from app.auth import consents
from app.applications import service as applications
from app.procedure import flows, objections
from app.handling import service as handling
from app.subsidy import service as subsidy
from wechat import dev_openid
from app.auth.models import Citizen, StaffUser
from app.auth.service import create_staff
from app.centres import service as centres
from app.common.timeutil import local_today, utcnow
from app.documents import flows as document_flows, service as documents
from app.extensions import db
from ocr import idnumber
from app.auth.service import hash_password
from app.storage_bridge import get_storage
from app.analytics import generator
from app.consultations import service as calls
from app.consultations.models import Consultation
from app.callbacks import service as callbacks
from app.ratings import service as ratings
from app.supervision import service as supervision
from app.supervision.models import DIMENSIONS, Review
from app.applications.models import Application
from app.auth.models import Citizen as C
from app.common.permissions import Role
from app.callbacks.models import CallbackTask

STAFF = [
    ("duty1", Role.duty_lawyer, "张值班", "D001", {}),
    ("aid1", Role.aid_lawyer, "李援助", "A001", {"specialties": "劳动争议,农民工欠薪,工伤", "region": "江岸区",
                                                 "law_firm": "湖北楚天律师事务所"}),
    ("aid2", Role.aid_lawyer, "王援助", "A002", {"specialties": "婚姻家庭,医疗纠纷", "region": "武昌区",
                                                 "law_firm": "湖北江城律师事务所"}),
    ("supervisor1", Role.supervisor, "赵监管", "S001", {}),
    ("manager1", Role.manager, "陈主任", "M001", {}),
    ("admin", Role.admin, "系统管理员", "X001", {}),
    ("bureau1", Role.bureau_reviewer, "孙审查", "B001", {}),
    ("city1", Role.city_manager, "钱市级", "C001", {}),
]
# many centres (Art. 38): the city centre and two district centres; each district has its own staff
CENTRES = [
    {"code": "wuhan", "name": "武汉市法律援助中心", "is_city": True, "address": "武汉市江岸区三阳路 8 号", "phone": "12348",
     "districts": ["420103", "420104", "420105", "420106", "420107", "420112", "420113", "420114", "420115",
                   "420116", "420117"],
     "letter_prefix_decision": "武法援决字", "letter_prefix_notice": "武法援补字", "letter_prefix_assignment": "武法援指字",
     "bureau_name": "武汉市司法局"},
    {"code": "jiangan", "name": "江岸区法律援助中心", "address": "武汉市江岸区沿江大道 188 号", "phone": "027-82760000",
     "districts": ["420102"], "letter_prefix_decision": "岸法援决字", "letter_prefix_notice": "岸法援补字",
     "letter_prefix_assignment": "岸法援指字", "bureau_name": "武汉市江岸区司法局",
     "bureau_address": "武汉市江岸区沿江大道 188 号"},
    {"code": "hongshan", "name": "洪山区法律援助中心", "address": "武汉市洪山区珞喻路 1 号", "phone": "027-87870000",
     "districts": ["420111"], "letter_prefix_decision": "洪法援决字", "letter_prefix_notice": "洪法援补字",
     "letter_prefix_assignment": "洪法援指字", "bureau_name": "武汉市洪山区司法局",
     "bureau_address": "武汉市洪山区珞喻路 1 号", "objection_period_days": 15},
]
DISTRICT_STAFF = [
    ("duty_ja", Role.duty_lawyer, "江值班", "D101", "jiangan"), ("manager_ja", Role.manager, "江主任", "M101", "jiangan"),
    ("aid_ja", Role.aid_lawyer, "江援助", "A101", "jiangan"),
    ("duty_hs", Role.duty_lawyer, "洪值班", "D201", "hongshan"), ("manager_hs", Role.manager, "洪主任", "M201", "hongshan"),
    ("aid_hs", Role.aid_lawyer, "洪援助", "A201", "hongshan"), ("bureau_hs", Role.bureau_reviewer, "洪审查", "B201", "hongshan"),
]
CITY_PLACE = "420106"  # the city centre's demo applications cover every state (its staff are the main demo accounts)
# and each district centre has a few of its own, handled by its own staff (place → competent centre, Art. 38)
DISTRICT_CASES = {"jiangan": ("420102", ("submitted", "under_review", "assigned", "rejected")),
                  "hongshan": ("420111", ("submitted", "expedite_requested", "in_progress", "rejected"))}


def _id(region: str, born: dt.date, seq: int, male: bool) -> str:
    seq = seq * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"[:17]
    return first17 + idnumber.check_digit(first17)


CITIZENS = [
    # (name, sex, region, born, phone, category, description, deadline_days, service)
    ("刘建国", "男", "420102", dt.date(1978, 3, 12), "13871234567", "农民工欠薪",
     "在工地务工八个月，包工头拖欠工资三万二千元，多次讨要未果。", 30, "representation"),
    ("周秀英", "女", "420104", dt.date(1965, 9, 2), "13907141234", "医疗纠纷",
     "手术后出现严重并发症，医院拒绝承担责任，身体不便，需要上门服务。", 5, "representation"),
    ("吴小军", "男", "420106", dt.date(1990, 1, 20), "15927000001", "劳动争议",
     "一审判决不服，明天是上诉期最后一天，需要紧急帮助写上诉状。", 1, "document_drafting"),
    ("郑丽", "女", "411502", dt.date(1988, 7, 7), "18607150002", "婚姻家庭",
     "离婚后对方不支付抚养费，想咨询如何申请强制执行。", None, "advice"),
]

# status -> actions from draft
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "under_review": ["submit", "start_review"],
    "expedite_requested": ["submit", "request_expedite"],
    "expedite_approved": ["submit", "request_expedite", "approve_expedite"],
    "approved": ["submit", "start_review", "approve"],
    "assigned": ["submit", "start_review", "approve", "assign"],
    "in_progress": ["submit", "start_review", "approve", "assign", "start_work"],
    # after assignment (app/handling): the lawyer's closing file, the centre's review, the archive
    "closing_review": ["submit", "start_review", "approve", "assign", "start_work", "closing"],
    "closed": ["submit", "start_review", "approve", "assign", "start_work", "closing", "accept"],
    "archived": ["submit", "start_review", "approve", "assign", "start_work", "closing", "accept", "archive"],
    "rejected": ["submit", "start_review", "reject"],
    "withdrawn": ["submit", "withdraw"],
    "terminated": ["submit", "start_review", "approve", "assign", "terminate"],
}
ROLE_FOR_ACTION = {"submit": Role.citizen, "withdraw": Role.citizen, "start_review": Role.duty_lawyer,
                   "request_expedite": Role.duty_lawyer, "approve_expedite": Role.manager, "approve": Role.manager,
                   "reject": Role.manager, "terminate": Role.manager, "assign": Role.manager, "start_work": Role.aid_lawyer}
DEMO_SCORES = {"timeliness": 18, "communication": 18, "legal_work": 27, "outcome": 18, "file": 9}


def _font(size: int):
    for path in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _id_card_sample(i: int) -> dict | None:
    """A realistic ID-card photo from the OCR benchmark generator (needs CJK fonts; else None)."""
    try:
        from ocr.testing.synth import make_sample
        return make_sample("id_front", "moderate", seed=1000 + i)
    except Exception:  # noqa: BLE001 — no CJK font on this machine: fall back to the simple card
        return None


def demo_photo(title: str, lines: list[str]) -> bytes:
    """A simple card-like photo; the OCR benchmark generator makes the realistic ones."""
    img = Image.new("RGB", (856, 540), (236, 240, 232))
    d = ImageDraw.Draw(img)
    d.rectangle((12, 12, 843, 527), outline=(120, 140, 160), width=3)
    d.text((40, 30), title, fill=(150, 60, 40), font=_font(34))
    for i, line in enumerate(lines):
        d.text((40, 100 + i * 56), line, fill=(20, 20, 20), font=_font(28))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def load(echo=print, force: bool = False) -> None:
    loaded = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == "manager1")) is not None
    staff = _staff_accounts(echo)
    if loaded and not force:
        echo("演示数据已存在（--force 可再添加一批）；以上为重置后的演示密码。")
        return
    citizens = _citizens_and_applications(staff, echo)
    _hotline(staff, citizens, echo)


def _centres(echo) -> dict:
    """The three demo centres (the city centre takes over the default centre the migration made)."""
    out = {}
    for data in CENTRES:
        found = centres.by_code(data["code"]) or (centres.city_centre() if data.get("is_city") else None)
        out[data["code"]] = centres.update(found, data) if found is not None else centres.create(data)
    db.session.commit()
    echo("法律援助中心：" + "、".join(c.name for c in out.values()))
    return out


def _staff_accounts(echo) -> dict:
    """Create (or reset the password of) one demo account per role and print them."""
    staff = {}
    by_code = _centres(echo)
    echo("工作人员账号（演示用，请勿用于生产）：")
    rows = [(u, r, n, no, {"centre_id": by_code["wuhan"].id}) for u, r, n, no, _x in STAFF]
    rows = [(u, r, n, no, {**x, **extra}) for (u, r, n, no, x), (_u, _r, _n, _no, extra) in zip(rows, STAFF)]
    rows += [(u, r, n, no, {"centre_id": by_code[code].id}) for u, r, n, no, code in DISTRICT_STAFF]
    for username, role, name, no, extra in rows:
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
        password = f"Demo-{role}-{secrets.token_hex(3)}"
        if user is None:
            user = create_staff(username, password, role, full_name=name, staff_no=no, **extra)
        else:
            user.password_hash = hash_password(password)
            user.failed_logins, user.locked_until = 0, None
            db.session.commit()
        staff.setdefault(role, user)
        echo(f"  {role:12s} {username:12s} 密码 {password}  （{centres.get(user.centre_id).name}）")
    return staff


def _centre_staff(code: str, city_staff: dict) -> dict:
    """A district centre's own demo staff by role; the roles it has none of (supervisor, admin) from the city."""
    cid = centres.by_code(code).id
    own = {u.role: u for u in db.session.scalars(sa.select(StaffUser).where(StaffUser.centre_id == cid)
                                                 .order_by(StaffUser.id))}
    return {**city_staff, **{role: own[role] for role in own}}


def _citizens_and_applications(staff: dict, echo) -> None:
    citizens = []
    for i, (name, sex, region, born, phone, cat, desc, days, service_type) in enumerate(CITIZENS):
        card = _id_card_sample(i)
        openid = dev_openid(f"demo{i + 1}")  # dev mode: log in with code "dev:demo1" ...
        c = db.session.scalar(sa.select(Citizen).where(Citizen.openid == openid))
        if c is None:
            c = Citizen(openid=openid, phone=phone, phone_country_code="86", phone_bound_at=utcnow())
            db.session.add(c)
            db.session.commit()
            # the demo citizens gave the separate consents for sensitive data (as the mini-program asks)
            for kind in consents.KINDS:
                consents.grant(c, kind, consents.KINDS[kind].version)
        citizens.append((c, dict(
            applicant_name=name, sex=sex, birth_date=born, id_number=_id(region, born, 10 + i, sex == "男"),
            phone=phone, category=cat, description=desc, service_type=service_type, ethnicity="汉",
            hukou_address="湖北省武汉市江岸区解放大道1000号", current_address="湖北省武汉市硚口区中山大道88号",
            opposing_party="某建筑劳务有限公司" if cat in ("农民工欠薪", "劳动争议") else "对方当事人",
            hardship_category="农民工追索劳动报酬" if cat == "农民工欠薪" else "低保",
            legal_deadline=local_today() + dt.timedelta(days=days) if days else None,
            home_visit_requested=i == 1, home_visit_address="湖北省武汉市硚口区中山大道88号" if i == 1 else None,
            home_visit_reason="术后卧床，行动不便" if i == 1 else None, mobility_impaired=i == 1), card))
        if card is not None:  # the person on the generated ID card photo is the applicant
            t = card["truth"]
            citizens[-1][1].update(applicant_name=t["name"], sex=t["sex"], id_number=t["id_number"],
                                   birth_date=dt.date.fromisoformat(t["birth_date"]), ethnicity=t["ethnicity"],
                                   hukou_address=t["address"])

    cases = [(status, CITY_PLACE, staff) for status in PATHS]  # (state, place, who acts)
    for code, (place, statuses) in DISTRICT_CASES.items():
        own = _centre_staff(code, staff)
        cases += [(status, place, own) for status in statuses]
    count = 0
    for n, (status, place, actors) in enumerate(cases):
        path = PATHS[status]
        citizen, data, card = citizens[n % len(citizens)]
        app_ = applications.create_draft(citizen, dict(data, place_district=place, place_basis="event"))
        id_photo = card["image"] if card else demo_photo("居民身份证", [
            f"姓名 {data['applicant_name']}", f"性别 {data['sex']}  民族 汉", f"公民身份号码 {data['id_number']}"])
        document_flows.photo_uploaded(citizen, app_.id, "id_front", id_photo, "id_front.jpg")
        document_flows.photo_uploaded(citizen, app_.id, "hukou_home", demo_photo("居民户口簿", [
            "户别 家庭户", f"户主姓名 {data['applicant_name']}", f"住址 {data['hukou_address']}"]), "hukou_home.jpg")
        for action in path:
            if action in ("closing", "accept", "archive"):
                _after_assignment(action, actors, app_)
                continue
            role = ROLE_FOR_ACTION[action]
            actor = citizen if role == Role.citizen else actors[role]
            _demo_step(actor, app_, action, actors)
        if status == "rejected":  # and the citizen has objected to the justice bureau: an open objection
            objections.lodge_objection(citizen, app_, "我家四口人，只有我一人打零工，月收入不到三千元，"
                                                     "审查时把已经离职的配偶也算作有收入，请求重新审查。")
        count += 1
    echo(f"演示申请 {count} 件（市中心覆盖全部状态，两个区中心各有自己的申请），群众 {len(citizens)} 人。")
    return [c for c, _data, _card in citizens]
    echo("小程序开发模式登录（演示群众）：POST /api/v1/auth/wechat/login {\"code\": \"dev:demo1\"} …… dev:demo4；"
         "任意 dev:<名字> 登录为新用户")


def _after_assignment(step: str, staff: dict, app_) -> None:
    """The lawyer's closing file (with a copy of the judgment), the centre's review, the archive."""
    lawyer, manager = staff[Role.aid_lawyer], staff[Role.manager]
    if step == "closing":
        doc = documents.upload(lawyer, app_.id, "judgment", demo_photo("民事调解书", [
            f"申请人 {app_.applicant_name}", "双方自愿达成调解协议", "被申请人当场支付欠款"]), "judgment.jpg")
        stage = next(iter(subsidy.stages_for(app_.service_type)))
        handling.submit_closing(lawyer, app_, {
            "outcome": "mediation", "matter_ended_on": local_today(), "document_ids": [doc.id], "stage": stage,
            "report": "经承办律师组织调解，双方自愿达成调解协议，被申请人当场履行，受援人权益已实现。"})
    elif step == "accept":
        handling.review_closing(manager, app_, "accept", DEMO_SCORES)
    elif step == "archive":
        handling.archive(manager, app_)


# --- the hotline ----------------------------------------------------------------------------------

def tone_wav(seconds: float = 8.0, rate: int = 8000, seed: int = 0) -> bytes:
    """A small real recording: 16-bit mono PCM at 8 kHz (telephone quality), syllable-like bursts of a
    voice-band tone with pauses, so a player shows progress and seeking can be tried."""
    rng = random.Random(seed)
    n = int(seconds * rate)
    frames = bytearray()
    pitch = 140 + 60 * rng.random()
    t = 0
    while t < n:
        burst = int(rate * rng.uniform(0.12, 0.35))
        gap = int(rate * rng.uniform(0.04, 0.3))
        f = pitch * rng.uniform(0.85, 1.25)
        for i in range(min(burst, n - t)):
            env = math.sin(math.pi * i / burst)
            x = env * (0.55 * math.sin(2 * math.pi * f * i / rate) + 0.25 * math.sin(2 * math.pi * 2.7 * f * i / rate))
            frames += struct.pack("<h", int(x * 9000))
        t += burst
        silence = min(gap, max(0, n - t))
        frames += b"\x00\x00" * silence
        t += silence
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


def _store_recording(call_id: str, seed: int) -> str:
    key = f"recordings/demo/{call_id}.wav"
    get_storage().put(key, tone_wav(seconds=6 + seed % 7, seed=seed), "audio/wav")
    return key


LIVE_CALLS = [
    # (hours ago, caller, minutes, topic, outcome, summary, citizen index or None)
    (50, "13907141234", 9, "医疗纠纷", "callback_needed", "术后并发症，医院拒绝承担责任，询问如何申请鉴定", 1),
    (26, "13907141234", 6, "医疗纠纷", "application_started", "再次来电，病情加重，希望尽快有律师帮忙", 1),
    (3, "13907141234", 4, "医疗纠纷", "callback_needed", "第三次来电，情绪低落，询问申请进度", 1),
    (5, "13871234567", 7, "农民工欠薪", "application_started", "包工头拖欠八个月工资，已帮其电话受理申请", 0),
    (2, "15927000001", 12, "劳动争议", "answered", "一审判决不服，明天上诉期届满，指导写上诉状", 2),
    (1, "02785551234", 3, "房产物业", "answered", "租房押金房东不退", None),
]


def _hotline(staff: dict, citizens: list, echo) -> None:
    from flask import current_app

    duty = staff[Role.duty_lawyer]
    # two months of history, spread over the demo duty lawyer and three more on the roster
    generator.generate(count=1500, days=60, seed=12348, n_lawyers=4, echo=lambda *_a, **_k: None)

    now = utcnow()
    live = []
    for i, (hours, caller, minutes, topic, outcome, summary, who) in enumerate(LIVE_CALLS):
        ring = now - dt.timedelta(hours=hours)
        call_id = f"DEMO-{ring:%Y%m%d%H%M}-{i}"
        data = {"caller": caller, "ring_at": ring, "answered_at": ring + dt.timedelta(seconds=2 + i % 3),
                "ended_at": ring + dt.timedelta(minutes=minutes), "topic": topic, "outcome": outcome,
                "summary": summary, "call_id": call_id, "recording_key": _store_recording(call_id, i)}
        if who is not None and who < len(citizens):
            data["citizen_id"] = citizens[who].id
        live.append(calls.record_call(duty, data))  # the third call of 139****1234 raises the warning

    # ratings: a satisfied citizen, and bad ones that open callback tasks
    rated = 0
    for app_ in db.session.scalars(sa.select(Application).where(
            Application.status.in_(("assigned", "in_progress", "closed")), Application.citizen_id.is_not(None))
            .order_by(Application.id)):
        citizen = db.session.get(C, app_.citizen_id)
        stars, comment = [(5, "律师很耐心，解答清楚"), (2, "指派后一直没有律师联系我"), (4, None)][rated % 3]
        ratings.rate_application(citizen, app_.id, {"stars": stars, "attitude": stars, "comment": comment})
        rated += 1
    call = live[4]
    if call.citizen_id:
        ratings.rate_consultation(db.session.get(C, call.citizen_id), call.id,
                                  {"stars": 1, "comment": "电话里没说清楚上诉状怎么写"})
    rated += 1
    # one callback already tried once
    task = db.session.scalars(sa.select(CallbackTask).where(CallbackTask.status == "open")
                              .order_by(CallbackTask.id)).first()
    if task is not None:
        callbacks.log_attempt(duty, task.id, {"at": now - dt.timedelta(minutes=30), "result": "no_answer",
                                              "note": "无人接听，稍后再拨"})

    # supervision: last month's sample, every sampled call with its recording, a few scored
    today = local_today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    batch, _ = supervision.create_sample(staff[Role.supervisor], end.replace(day=1), end,
                                         current_app.config["SUPERVISION_SAMPLE_RATE"],
                                         current_app.config["SUPERVISION_MIN_PER_LAWYER"])
    reviews = db.session.scalars(sa.select(Review).where(Review.sample_id == batch.id)
                                 .order_by(Review.lawyer_id, Review.consultation_id)).all()
    for i, r in enumerate(reviews):
        c = db.session.get(Consultation, r.consultation_id)
        if not c.recording_key:
            c.recording_key = _store_recording(c.call_id, 100 + i)
    db.session.commit()
    for i, r in enumerate(reviews[: max(1, len(reviews) // 3)]):
        scores = {k: 20 + (i + j) % 6 for j, k in enumerate(DIMENSIONS)}
        supervision.score(staff[Role.supervisor], r.id, {**scores, "comment": "用语规范，解答准确" if i % 2 else "可更耐心"})
    echo(f"热线来电 {1500 + len(live)} 通（含录音 {len(reviews) + len(live)} 段、重复来电预警 1 起），"
         f"评价 {rated} 条，抽检 {len(reviews)} 通。")


def _demo_step(actor, app_, action: str, staff: dict) -> None:
    """One step of a demo case, through the flow a page or the API would run (app/procedure/flows.py)."""
    note = "演示数据"
    if action == "submit":
        flows.submit(actor, app_, note=note)
    elif action == "withdraw":
        flows.withdraw(actor, app_, note)
    elif action == "approve":
        flows.grant(actor, app_, note)
    elif action == "reject":  # a refusal gives its reasons by article (its letter names the objection route)
        flows.refuse(actor, app_, {"reason": "家庭人均月收入高于本市经济困难标准", "grounds": ["not_in_hardship"]})
    elif action == "request_expedite":
        flows.request_expedite(actor, app_, {"reason": "上诉期即将届满", "ground": "other"})
    elif action == "approve_expedite":
        flows.decide_expedite(actor, app_, True, note, backfill_kinds=["hukou_member", "hardship_proof"],
                              backfill_due_at=utcnow() + dt.timedelta(days=3))
    elif action == "assign":
        flows.assign(actor, app_, staff[Role.aid_lawyer], suggested=[], note=note)
    elif action == "terminate":
        flows.terminate(actor, app_, {"ground": "own_lawyer", "note": "受援人已自行委托律师"})
    else:
        applications.transition(actor, app_, action, note=note)
