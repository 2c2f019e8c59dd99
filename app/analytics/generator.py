"""Realistic demo calls at scale (`flask demo calls --count 1000000`).

Callers are drawn from a pool (most call once, some again and again) whose numbers use real mobile
prefixes, geocoded once per prefix: ~70 % from the hotline's city, ~15 % elsewhere in the province,
~15 % from other provinces (migrant workers), 10 % landlines. Calls follow weekday and office-hour
patterns in Asia/Shanghai, ~6 % are missed, ~90 % of the rest are answered within 3 s, talk times
are log-normal, and one topic (农民工欠薪) rises over the last two weeks. Rows go in with COPY on
PostgreSQL (psycopg 3 `cursor.copy`) and executemany on SQLite; the rollups are rebuilt at the end.
Repeat-caller episodes are not computed for generated history (no alerts or callbacks for the past).
"""
from __future__ import annotations

import datetime as dt
import math
import random
import secrets
import time

import sqlalchemy as sa

from app.common import crypto
from app.common.permissions import Role
from app.common.timeutil import LOCAL_TZ, UTC, local_today, utcnow
from app.consultations import phones
from app.centres import service as centres
from app.extensions import db
from app.auth.models import StaffUser
from app.consultations import rollups

TOPIC_WEIGHTS = {"婚姻家庭": 18, "劳动争议": 16, "农民工欠薪": 9, "工伤": 6, "交通事故": 7, "债权债务": 12,
                 "个人财产": 4, "房产物业": 9, "房价调控": 2, "医疗纠纷": 4, "消费维权": 6, "刑事": 3, "行政": 2, "其他": 2}
SUMMARIES = {
    "婚姻家庭": ["想离婚，对方不同意，孩子抚养权怎么判", "离婚后对方不付抚养费", "老人赡养问题，子女互相推诿", "彩礼返还纠纷"],
    "劳动争议": ["公司无故辞退，想要经济补偿", "加班费一直不发，能否申请劳动仲裁", "公司不给交社保", "试用期被辞退"],
    "农民工欠薪": ["包工头拖欠工资八个月", "在工地干活，工钱一直拿不到", "年底讨薪，施工队老板失联", "农民工欠薪找谁"],
    "工伤": ["上班途中摔伤，单位不给认定工伤", "工伤认定后单位拒绝赔偿", "劳动能力鉴定怎么申请"],
    "交通事故": ["被电动车撞伤，对方逃逸", "车祸责任认定有异议", "交强险理赔被拒"],
    "债权债务": ["朋友借钱不还，有借条", "民间借贷利息过高", "欠款多年讨不回"],
    "个人财产": ["宅基地被邻居侵占", "存款被亲属私自取走", "财产损坏要求赔偿"],
    "房产物业": ["物业费纠纷，物业服务差", "租房押金房东不退", "房屋漏水楼上不管", "房产证办不下来"],
    "房价调控": ["开发商降价，老业主要求退房", "限购政策下购房合同能否解除"],
    "医疗纠纷": ["手术后出现并发症，医院推卸责任", "怀疑误诊，如何申请医疗事故鉴定"],
    "消费维权": ["网购买到假货，商家拒绝退款", "健身房预付卡老板跑路", "培训机构不退费"],
    "刑事": ["家人被刑事拘留，能否取保候审", "被人殴打，报警后没有结果"],
    "行政": ["对行政处罚不服，想申请行政复议", "低保被取消，想了解救济途径"],
    "其他": ["咨询法律援助申请条件", "询问法律援助中心地址"],
}
OUTCOME_WEIGHTS = {"answered": 78, "transferred": 6, "application_started": 8, "home_visit_requested": 2, "callback_needed": 6}
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 4, 9, 12, 12, 10, 6, 7, 10, 11, 10, 8, 5, 4, 3.5, 3, 2, 1.5]
COLUMNS = ["call_id", "source", "caller_hash", "caller_masked", "caller_enc", "caller_kind", "region", "province",
           "ring_at", "answered_at", "ended_at", "wait_seconds", "duration_seconds", "local_date", "local_hour",
           "duty_lawyer_id", "agent_no", "topic", "topic_suggested", "summary", "outcome", "created_at", "updated_at",
           "centre_id"]


def _prefixes(rng: random.Random, home: str = "湖北省武汉市", province: str = "湖北省") -> dict[str, list]:
    """Geocode random mobile prefixes once; bucket them: home city / same province / elsewhere."""
    buckets = {"home": [], "province": [], "other": []}
    heads = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
             "155", "156", "157", "158", "159", "170", "176", "177", "178", "180", "181", "182", "183", "185",
             "186", "187", "188", "189", "198", "199"]
    tries = 0
    while (len(buckets["home"]) < 60 or len(buckets["province"]) < 40 or len(buckets["other"]) < 300) and tries < 40000:
        tries += 1
        p = rng.choice(heads) + f"{rng.randrange(10000):04d}"
        region, prov = phones.region_of(p + "0000", "mobile")
        if not region or region == phones.UNKNOWN:
            continue
        key = "home" if region == home else "province" if prov == province else "other"
        buckets[key].append((p, region, prov))
    return buckets


def ensure_duty_lawyers(n: int) -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(StaffUser.id, StaffUser.staff_no).where(
        StaffUser.role == Role.duty_lawyer.value, StaffUser.staff_no.isnot(None)).order_by(StaffUser.id)).all()
    have = [(r.id, r.staff_no) for r in rows]
    existing_nos = set(db.session.scalars(sa.select(StaffUser.staff_no).where(StaffUser.staff_no.isnot(None))))
    existing_names = set(db.session.scalars(sa.select(StaffUser.username)))
    i = 1
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    while len(have) < n:
        no, username = f"HL{i:03d}", f"hotline{i:03d}"
        i += 1
        if no in existing_nos or username in existing_names:
            continue
        # generated lawyers cannot log in until an admin sets a password ("!" is no argon2 hash)
        u = StaffUser(username=username, password_hash="!", role=Role.duty_lawyer.value, staff_no=no,
                      full_name=surnames[(i - 2) % len(surnames)] + "律师" + f"{i - 1:02d}", is_active=True,
                      created_at=utcnow(), updated_at=utcnow())
        db.session.add(u)
        db.session.flush()
        have.append((u.id, no))
    db.session.commit()
    return have[:n]


def _rows(count: int, days: int, seed: int, lawyers: list[tuple[int, str]], centre_ids=()):
    rng = random.Random(seed)
    buckets = _prefixes(rng)
    fernet = crypto._fernet()
    run = secrets.token_hex(3)
    today = local_today()
    first_day = today - dt.timedelta(days=days - 1)
    topics = list(TOPIC_WEIGHTS)
    tw = [TOPIC_WEIGHTS[t] for t in topics]
    rising_tw = [w * (3 if t == "农民工欠薪" else 1) for t, w in zip(topics, tw)]
    outcomes, ow = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    # days weighted: weekends quieter, slow growth over the period
    day_list = [first_day + dt.timedelta(days=k) for k in range(days)]
    day_w = [(0.55 if d.weekday() >= 5 else 1.0) * (0.8 + 0.4 * k / max(days - 1, 1)) for k, d in enumerate(day_list)]
    # roster: each day ~ a quarter of the lawyers on duty (at least 3)
    roster_size = max(3, min(len(lawyers), math.ceil(len(lawyers) / 4)))

    n_callers = max(1, int(count * 0.55))
    pool: list[tuple] = []

    def new_caller():
        r = rng.random()
        if r < 0.10:
            number = "027" + f"{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"
            region, prov, kind = "湖北省武汉市", "湖北省", "landline"
        else:
            key = "home" if r < 0.70 else "province" if r < 0.83 else "other"
            p, region, prov = rng.choice(buckets[key] or buckets["home"])
            number, kind = p + f"{rng.randrange(10000):04d}", "mobile"
        return (crypto.phone_hash(number), phones.mask(number), fernet.encrypt(number.encode()).decode(),
                kind, region, prov)

    now = utcnow()
    rosters: dict[dt.date, list] = {}
    for i in range(count):
        # 45 % of calls from someone who called before (skewed to a few frequent callers)
        if pool and rng.random() < 0.45:
            caller = pool[int(len(pool) * (rng.random() ** 2.5))]
        else:
            caller = new_caller()
            if len(pool) < n_callers:
                pool.append(caller)
        day = rng.choices(day_list, day_w)[0]
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=LOCAL_TZ)
        ring = local.astimezone(UTC)
        while ring > now:  # later today: the same hour a day earlier (squeezing them before now made a false peak)
            local -= dt.timedelta(days=1)
            ring = local.astimezone(UTC)
        age = (today - local.date()).days
        topic = rng.choices(topics, rising_tw if age < 7 else (tw if age >= 14 else [(a + b) / 2 for a, b in zip(tw, rising_tw)]))[0]
        if rng.random() < 0.06:
            answered = ended = None
            wait, duration, lawyer, agent, outcome = None, 0, (None, None), None, None
            ended = ring + dt.timedelta(seconds=rng.randrange(5, 40))
        else:
            wait = rng.randint(1, 3) if rng.random() < 0.9 else rng.randint(4, 45)
            duration = int(min(3600, max(20, rng.lognormvariate(math.log(240), 0.7))))
            answered = ring + dt.timedelta(seconds=wait)
            ended = answered + dt.timedelta(seconds=duration)
            d = local.date()
            if d not in rosters:
                rosters[d] = random.Random(f"{seed}-{d}").sample(lawyers, roster_size)
            lawyer = rng.choice(rosters[d])
            agent = lawyer[1]
            outcome = rng.choices(outcomes, ow)[0]
        yield (f"G{seed}-{run}-{i:09d}", "demo", *caller[:6], ring.replace(tzinfo=None),
               None if answered is None else answered.replace(tzinfo=None), ended.replace(tzinfo=None), wait,
               duration, local.date(), local.hour, lawyer[0], agent, topic if answered else None, False,
               rng.choice(SUMMARIES[topic]) if answered else None, outcome, now.replace(tzinfo=None),
               now.replace(tzinfo=None), centre_ids[i % len(centre_ids)] if centre_ids else None)


def generate(count: int, days: int = 365, seed: int = 12348, n_lawyers: int = 37, echo=print) -> int:
    t0 = time.perf_counter()
    lawyers = ensure_duty_lawyers(n_lawyers)
    rows = _rows(count, days, seed, lawyers, [c.id for c in centres.all_centres()])
    dialect = db.session.get_bind().dialect.name
    db.session.commit()
    if dialect == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur:
                with cur.copy(f"COPY consultations ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for i, row in enumerate(rows, 1):
                        copy.write_row(row)
                        if i % 200_000 == 0:
                            echo(f"  {i} calls written ({time.perf_counter() - t0:.0f}s)")
            raw.driver_connection.commit()
        finally:
            raw.close()
    else:
        stmt = sa.text(f"INSERT INTO consultations ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})")
        batch = []
        with db.engine.begin() as conn:
            for row in rows:
                batch.append(dict(zip(COLUMNS, row)))
                if len(batch) == 10_000:
                    conn.execute(stmt, batch)
                    batch = []
            if batch:
                conn.execute(stmt, batch)
    t1 = time.perf_counter()
    echo(f"{count} calls loaded in {t1 - t0:.1f}s ({dialect})")
    if dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE consultations"))
    counts = rollups.rebuild()
    echo(f"rollups rebuilt in {time.perf_counter() - t1:.1f}s: {counts}")
    return count
