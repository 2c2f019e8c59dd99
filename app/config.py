"""Settings from the environment (12-factor). One class; tests pass overrides to create_app."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


REQUEST_MARGIN = 256 * 1024  # multipart headers and the other form fields around a file


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _int_or_none(name: str) -> int | None:
    value = _env(name)
    return int(value) if value is not None else None


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _json(name: str, default):
    import json
    raw = _env(name)
    return json.loads(raw) if raw else default


def _dates(name: str) -> list:
    import datetime as dt
    raw = (_env(name) or "").replace("，", ",")
    return [dt.date.fromisoformat(p.strip()) for p in raw.split(",") if p.strip()]


DEFAULT_QUALITY_RUBRIC = [
    {"key": "timeliness", "label": "办理及时（接受指派、报告、结案时限）", "max": 20},
    {"key": "communication", "label": "与受援人沟通、通报办理情况（第四十六条）", "max": 20},
    {"key": "legal_work", "label": "法律文书与代理意见质量", "max": 30},
    {"key": "outcome", "label": "办理结果与受援人权益维护", "max": 20},
    {"key": "file", "label": "案卷材料完整规范", "max": 10},
]
DEFAULT_SUBSIDY_STANDARD = {
    "types": {
        "representation": {"label": "代理", "stages": {
            "first_instance": {"label": "一审（含仲裁）", "amount": 3000},
            "second_instance": {"label": "二审", "amount": 2500},
            "retrial": {"label": "再审", "amount": 2500},
            "non_litigation": {"label": "非诉讼代理（调解、和解）", "amount": 1500},
            "ended_early": {"label": "提前终结（撤诉、终止）", "amount": 800}}},
        "document_drafting": {"label": "代书", "stages": {"drafted": {"label": "代写法律文书", "amount": 300}}},
        "advice": {"label": "咨询", "stages": {"answered": {"label": "法律咨询", "amount": 100}}},
    },
    "adjustments": [
        {"key": "home_visit", "label": "上门服务", "when": "home_visit", "amount": 200},
        {"key": "expedited", "label": "先行提供法律援助（紧急）", "when": "expedited", "percent": 10},
    ],
}


class Config:
    def __init__(self, **overrides):
        self.APP_ENV = _env("APP_ENV", "development")
        self.SECRET_KEY = _env("SECRET_KEY")
        if not self.SECRET_KEY:
            if self.APP_ENV == "production":
                raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
            self.SECRET_KEY = "dev-only-insecure-secret-key"
        self.INSTANCE_DIR = Path(_env("INSTANCE_DIR", str(BASE_DIR / "var")))

        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(
            _env("DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'app.sqlite3'}")
        )
        # No ping before each checkout (a round trip on every request): a connection the server dropped
        # fails once, SQLAlchemy then discards the pool's older connections, pure reads retry once
        # (app/common/readonly.py) and any other request answers 503 (app/errors.py). Set
        # DB_POOL_PRE_PING=1 to ping anyway (e.g. behind a proxy that drops idle connections silently).
        self.DB_POOL_PRE_PING = _env("DB_POOL_PRE_PING", "0") == "1"
        # A database that does not answer fails fast (503 database_unavailable) instead of holding workers
        self.DB_CONNECT_TIMEOUT = _int("DB_CONNECT_TIMEOUT", 5)
        self.DB_POOL_TIMEOUT = _int("DB_POOL_TIMEOUT", 10)
        # psycopg's server-side prepared statements (its prepare_threshold: a statement run this many times
        # on a connection is prepared). Off ("none", the default) is what PgBouncer < 1.21 in transaction
        # mode needs: a prepared statement lives on one server connection, the next transaction may get
        # another. A number (psycopg's default is 5) when connecting directly, through a session-mode pool
        # or PgBouncer >= 1.21 with max_prepared_statements set.
        self.DB_PREPARE_THRESHOLD = _prepare_threshold(_env("DB_PREPARE_THRESHOLD", "none"))
        # (SQLALCHEMY_ENGINE_OPTIONS follows the final URL: set after the overrides below)
        # Connections each process keeps for pure reads in autocommit (app/common/readonly.py), beside
        # the ORM pool: size it like the threads per process
        self.DB_READ_POOL_SIZE = _int("DB_READ_POOL_SIZE", 5)
        self.STORAGE_URL = _env("STORAGE_URL", f"file://{self.INSTANCE_DIR / 'storage'}")
        self.REDIS_URL = _env("REDIS_URL")
        # How background work runs: "celery" (needs REDIS_URL), "thread" (in-process), "sync" (inline; tests)
        self.TASKS_MODE = _env("TASKS_MODE", "celery" if self.REDIS_URL else "thread")

        self.WECHAT_APPID = _env("WECHAT_APPID")
        self.WECHAT_SECRET = _env("WECHAT_SECRET")
        self.WECHAT_API_BASE_URL = _env("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
        # Subscribe-message template ids per event (from the mini-program's console)
        self.WECHAT_TEMPLATE_STATUS = _env("WECHAT_TEMPLATE_STATUS", "dev-template-status")
        self.WECHAT_TEMPLATE_DOCUMENT = _env("WECHAT_TEMPLATE_DOCUMENT", "dev-template-document")
        self.WECHAT_TEMPLATE_LETTER = _env("WECHAT_TEMPLATE_LETTER", "dev-template-letter")
        # 1 when the templates are long-term subscriptions (长期订阅: only for the account categories WeChat
        # allows, e.g. 政务民生); 0: one-time templates, the mini-program asks again at every moment
        self.WECHAT_SUBSCRIBE_LONG_TERM = _bool("WECHAT_SUBSCRIBE_LONG_TERM", False)

        self.ACCESS_TOKEN_TTL = _int("ACCESS_TOKEN_TTL", 2 * 3600)
        self.REFRESH_TOKEN_TTL = _int("REFRESH_TOKEN_TTL", 30 * 24 * 3600)
        self.SIGNED_URL_TTL = _int("SIGNED_URL_TTL", 300)
        self.MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
        self.MAX_IMAGE_PIXELS = _int("MAX_IMAGE_PIXELS", 40_000_000)
        self.URGENT_DEADLINE_HOURS = _int("URGENT_DEADLINE_HOURS", 72)
        self.NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 5)
        self.NOTIFY_RETRY_BASE_SECONDS = _int("NOTIFY_RETRY_BASE_SECONDS", 30)
        self.TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
        self.OCR_ENABLED = _bool("OCR_ENABLED", True)  # off: photos are stored without OCR prefill
        # periodic sweep and alert scan in a daemon thread on the embedded default (TASKS_MODE=thread)
        self.PERIODIC_TASKS = _bool("PERIODIC_TASKS", True)
        # seconds per periodic task, JSON, e.g. {"sweep": 60, "alerts_scan": 60, "storage_reconcile": 3600}
        # (those are the defaults); each period runs once across processes and hosts (app/tasks.py)
        self.PERIODIC_INTERVALS = _json("PERIODIC_INTERVALS", {})

        # --- console sessions ---
        self.CONSOLE_IDLE_MINUTES = _int("CONSOLE_IDLE_MINUTES", 30)
        self.CONSOLE_SESSION_HOURS = _int("CONSOLE_SESSION_HOURS", 8)
        # unset: Secure cookies everywhere but development and tests; 0/1 forces it (e.g. behind TLS offload)
        secure = _env("CONSOLE_COOKIE_SECURE")
        self.CONSOLE_COOKIE_SECURE = None if secure is None else secure.lower() in ("1", "true", "yes")
        # Flask's own session cookie only carries the console's flash messages
        self.SESSION_COOKIE_SAMESITE = "Lax"

        # --- SLA (first contact to lawyer assigned) ---
        # minutes per key: urgent, expedited, default, or a case category; JSON, e.g. {"urgent": 60, "劳动争议": 120}
        self.SLA_TARGET_MINUTES = _json("SLA_TARGET_MINUTES", {})
        self.SLA_NEAR_BREACH_RATIO = float(_env("SLA_NEAR_BREACH_RATIO", "0.75"))

        # --- hotline ---
        self.HOTLINE_AREA_CODE = _env("HOTLINE_AREA_CODE", "027")  # for local landline numbers without one
        self.ANSWER_TARGET_SECONDS = _int("ANSWER_TARGET_SECONDS", 3)  # "answered within N s" on the dashboard
        self.REPEAT_CALLER_THRESHOLD = _int("REPEAT_CALLER_THRESHOLD", 3)
        self.REPEAT_CALLER_WINDOW_DAYS = float(_env("REPEAT_CALLER_WINDOW_DAYS", "7"))
        self.REPEAT_CALLBACK_DUE_HOURS = float(_env("REPEAT_CALLBACK_DUE_HOURS", "4"))
        self.SUPERVISION_SAMPLE_RATE = float(_env("SUPERVISION_SAMPLE_RATE", "0.05"))
        self.SUPERVISION_MIN_PER_LAWYER = _int("SUPERVISION_MIN_PER_LAWYER", 2)
        self.MAX_CDR_BYTES = _int("MAX_CDR_BYTES", 50 * 1024 * 1024)  # call-detail CSV upload
        # --- the live hotline (app/telephony) ---
        # signed webhook of a cloud contact centre: HMAC-SHA256 over "<timestamp>.<body>" with this secret
        self.TELEPHONY_WEBHOOK_SECRET = _env("TELEPHONY_WEBHOOK_SECRET")
        self.TELEPHONY_WEBHOOK_WINDOW_SECONDS = _int("TELEPHONY_WEBHOOK_WINDOW_SECONDS", 300)
        # `flask telephony listen`: ami://user:secret@host:5038 or esl://:password@host:8021
        self.TELEPHONY_URL = _env("TELEPHONY_URL")
        self.TELEPHONY_RECONNECT_MAX_SECONDS = float(_env("TELEPHONY_RECONNECT_MAX_SECONDS", "30"))
        # Redis pub/sub channels of the screen pop are named <prefix><topic>
        self.TELEPHONY_CHANNEL_PREFIX = _env("TELEPHONY_CHANNEL_PREFIX", "legalaid:telephony:")
        # a recorded morning of events (JSON lines) replayed in-process by the demo switch (scripts/dev.sh)
        self.TELEPHONY_DEMO_REPLAY = _env("TELEPHONY_DEMO_REPLAY")
        self.TELEPHONY_DEMO_SPEED = float(_env("TELEPHONY_DEMO_SPEED", "10"))  # replay this many times faster
        # OCR claim: a lease renewed while OCR runs; a crashed worker's work is re-queued once it runs out
        self.OCR_LEASE_SECONDS = _int("OCR_LEASE_SECONDS", 30)
        # Storage reconciler: an object no row names is removed once it is older than this
        self.ORPHAN_GRACE_SECONDS = _int("ORPHAN_GRACE_SECONDS", 3600)

        # Rate limits (Flask-Limiter; Redis storage when REDIS_URL is set, memory otherwise).
        # Syntax: "N per second|minute|hour|day", several separated by ";"
        self.RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", "1") not in ("0", "false", "no")
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_SWALLOW_ERRORS = True  # the limiter's storage down must not take the service down
        self.RATELIMIT_HEADERS_ENABLED = False  # Retry-After is set on 429 answers (app.common.limits)
        self.RATE_LIMIT_WECHAT_LOGIN = _env("RATE_LIMIT_WECHAT_LOGIN", "30 per minute;300 per hour")  # per IP
        self.RATE_LIMIT_PHONE_BINDING = _env("RATE_LIMIT_PHONE_BINDING", "5 per minute;20 per day")  # per citizen
        self.RATE_LIMIT_UPLOADS = _env("RATE_LIMIT_UPLOADS", "30 per minute;300 per day")  # per citizen
        self.RATE_LIMIT_STAFF_LOGIN_ACCOUNT = _env("RATE_LIMIT_STAFF_LOGIN_ACCOUNT", "10 per minute")  # per username
        self.RATE_LIMIT_STAFF_LOGIN_IP = _env("RATE_LIMIT_STAFF_LOGIN_IP", "30 per minute")  # per IP
        self.RATE_LIMIT_ELIGIBILITY = _env("RATE_LIMIT_ELIGIBILITY", _env("ELIGIBILITY_RATE_LIMIT",
                                                                      "30 per minute;300 per day"))  # per IP, public

        # Operations: logs, metrics, error reporting
        self.LOG_FORMAT = _env("LOG_FORMAT", "json" if self.APP_ENV == "production" else "text")  # json | text
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        # prometheus-client reads it from the environment itself; Config reads it too, to choose the collector
        self.PROMETHEUS_MULTIPROC_DIR = _env("PROMETHEUS_MULTIPROC_DIR")
        self.METRICS_TOKEN = _env("METRICS_TOKEN")  # /metrics with "Authorization: Bearer <token>"
        self.METRICS_ALLOW_IPS = _env("METRICS_ALLOW_IPS", "127.0.0.1/32,::1/128")  # or from these addresses
        # prometheus-client's multiprocess mode (several gunicorn workers): an empty folder, also read by the library
        self.PROMETHEUS_MULTIPROC_DIR = _env("PROMETHEUS_MULTIPROC_DIR")
        self.SENTRY_DSN = _env("SENTRY_DSN")
        self.SENTRY_TRACES_SAMPLE_RATE = float(_env("SENTRY_TRACES_SAMPLE_RATE", "0"))

        # --- the Legal Aid Law's procedure (app/procedure) ---
        # who issues the letters, and where an objection goes (Art. 49)
        self.CENTRE_NAME = _env("CENTRE_NAME", "武汉市法律援助中心")
        self.CENTRE_ADDRESS = _env("CENTRE_ADDRESS", "武汉市江岸区三阳路 8 号")
        self.CENTRE_PHONE = _env("CENTRE_PHONE", "12348")
        self.BUREAU_NAME = _env("BUREAU_NAME", "武汉市司法局")
        # the bureau's own address: no default borrowed from the centre (an objection sent to the centre's
        # door would be lost); unset, letters name the bureau without an address and the admin is warned
        self.BUREAU_ADDRESS = _env("BUREAU_ADDRESS", "")
        # letter numbers: one series per prefix and year, e.g. 武法援决字〔2026〕第0012号
        self.LETTER_NUMBER_FORMAT = _env("LETTER_NUMBER_FORMAT", "{prefix}〔{year}〕第{seq:04d}号")
        self.LETTER_PREFIX_DECISION = _env("LETTER_PREFIX_DECISION", "武法援决字")
        self.LETTER_PREFIX_NOTICE = _env("LETTER_PREFIX_NOTICE", "武法援补字")
        self.LETTER_PREFIX_ASSIGNMENT = _env("LETTER_PREFIX_ASSIGNMENT", "武法援指字")
        self.LETTER_PREFIX_RECEIPT = _env("LETTER_PREFIX_RECEIPT", "武法援收字")
        self.LETTER_PREFIX_BUREAU = _env("LETTER_PREFIX_BUREAU", "武司法援异字")  # the bureau's decisions on objections
        # where the bureau's decision to uphold may be challenged (行政复议法 Art. 24: the government at its level)
        self.RECONSIDERATION_BODY = _env("RECONSIDERATION_BODY", "武汉市人民政府")
        # a CJK font the install provides (Debian fonts-noto-cjk); a subset is embedded in each PDF
        self.LETTER_FONT = _env("LETTER_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
        self.LETTER_URL_TTL = _int("LETTER_URL_TTL", 600)
        # the statutory clocks, in 日 counted by CLOCK_RULE / CLOCK_RULES below
        self.REVIEW_DAYS = _int("REVIEW_DAYS", 7)  # Art. 43: 七日 to decide
        self.ASSIGN_DAYS = _int("ASSIGN_DAYS", 3)  # Art. 43: 三日 to assign
        self.OBJECTION_DECIDE_DAYS = _int("OBJECTION_DECIDE_DAYS", 5)  # Art. 49: 五日 for the bureau
        self.SUPPLEMENT_DAYS = _int("SUPPLEMENT_DAYS", 15)  # the supplement notice's default period, from delivery
        # the province's period to object (the national law sets none): unset → any time, no deadline on letters
        self.OBJECTION_PERIOD_DAYS = _int_or_none("OBJECTION_PERIOD_DAYS")
        self.EXPEDITE_DEADLINE_DAYS = _int("EXPEDITE_DEADLINE_DAYS", 7)  # Art. 44 (一): calendar days, always
        self.CLOCK_NEAR_DAYS = _int("CLOCK_NEAR_DAYS", 1)  # near-breach alert: due within this many days (the clock's rule)
        # how a period in 日 is counted: `calendar` (民法典 Art. 201, 203: the day after, a last day on a
        # holiday or rest day moves to the next working day) or `workdays`; per clock in CLOCK_RULES
        # ({"review"|"assign"|"supplement"|"objection_decide"|"objection_period": rule})
        self.CLOCK_RULE = _env("CLOCK_RULE", "calendar")
        self.CLOCK_RULES = _json("CLOCK_RULES", {})
        self.EXTRA_HOLIDAYS = _dates("EXTRA_HOLIDAYS")  # 2026-05-06,2026-05-07: local non-working days
        self.EXTRA_WORKDAYS = _dates("EXTRA_WORKDAYS")
        # SMS delivery of letters to applicants without WeChat (sms/): provider aliyun | tencent | memory
        self.SMS_PROVIDER = _env("SMS_PROVIDER")
        self.SMS_URL = _env("SMS_URL")  # the provider's endpoint (unset: its public one)
        self.SMS_ACCESS_KEY_ID = _env("SMS_ACCESS_KEY_ID")
        self.SMS_ACCESS_KEY_SECRET = _env("SMS_ACCESS_KEY_SECRET")
        self.SMS_SIGN_NAME = _env("SMS_SIGN_NAME")
        self.SMS_SDK_APP_ID = _env("SMS_SDK_APP_ID")  # Tencent's SmsSdkAppId
        self.SMS_REGION = _env("SMS_REGION", "ap-guangzhou")  # Tencent's region
        self.SMS_TEMPLATE_LETTER = _env("SMS_TEMPLATE_LETTER", "SMS_LETTER")  # params: number, what, link
        self.SMS_TIMEOUT = _float("SMS_TIMEOUT", 10.0)
        # 送达: a letter announced in the mini-program counts as delivered this many days after; one not
        # delivered this many days after it was issued raises an alert; the SMS link's public base URL
        self.DELIVERY_DEEMED_DAYS = _int("DELIVERY_DEEMED_DAYS", 2)
        self.DELIVERY_ALERT_DAYS = _int("DELIVERY_ALERT_DAYS", 2)
        self.LETTER_LINK_BASE = _env("LETTER_LINK_BASE", "")
        # eligibility: the province's hardship standard (Art. 34) and extensions of Art. 31/32/42, as
        # JSON {"key": {"label", "article", "text", "documents": [...]}}
        self.HARDSHIP_MONTHLY_INCOME_PER_MEMBER = _env("HARDSHIP_MONTHLY_INCOME_PER_MEMBER", "2010")
        self.HARDSHIP_STANDARD_TEXT = _env("HARDSHIP_STANDARD_TEXT", "按本省最低工资标准确定")
        self.ELIGIBILITY_EXTRA_MATTERS = _json("ELIGIBILITY_EXTRA_MATTERS", {})
        self.ELIGIBILITY_EXTRA_SITUATIONS = _json("ELIGIBILITY_EXTRA_SITUATIONS", {})
        self.ELIGIBILITY_EXTRA_GROUPS = _json("ELIGIBILITY_EXTRA_GROUPS", {})

        # --- after assignment (app/handling, app/subsidy) ---
        # 结案: the lawyer submits the closing file within this many 日 of the matter ending (Civil Code counting)
        self.CLOSING_PERIOD_DAYS = _int("CLOSING_PERIOD_DAYS", 30)
        # the closing review's quality rubric (Art. 59): JSON [{"key", "label", "max"}]
        self.QUALITY_RUBRIC = _json("QUALITY_RUBRIC", DEFAULT_QUALITY_RUBRIC)
        # 归档: years an archived file is kept
        self.ARCHIVE_RETENTION_YEARS = _int("ARCHIVE_RETENTION_YEARS", 30)
        # 办案补贴 (Art. 52): the province's standard, JSON (amounts in yuan), see docs/procedure-after-assignment.md
        self.SUBSIDY_STANDARD = _json("SUBSIDY_STANDARD", DEFAULT_SUBSIDY_STANDARD)
        self.LETTER_PREFIX_CHANGE = _env("LETTER_PREFIX_CHANGE", "武法援更字")

        self.JSON_AS_ASCII = False

        # flask-smorest / OpenAPI
        self.API_TITLE = "12348 法律援助平台 API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_REDOC_PATH = "/docs"
        self.OPENAPI_REDOC_URL = "/static/vendor/redoc/redoc.standalone.js"

        for key, value in overrides.items():
            setattr(self, key, value)
        if "MAX_CONTENT_LENGTH" not in overrides:
            # Werkzeug refuses bodies above this before we read them (413); the CDR upload raises it for
            # its own requests to MAX_CDR_BYTES + the same margin (app.consultations.routes)
            self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + REQUEST_MARGIN
        if "SESSION_COOKIE_SECURE" not in overrides:  # derived: after the overrides of what it depends on
            self.SESSION_COOKIE_SECURE = self.APP_ENV == "production" and self.CONSOLE_COOKIE_SECURE is not False
        if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
            self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self)
        if self.TASKS_MODE == "celery" and not self.REDIS_URL:
            raise RuntimeError("TASKS_MODE=celery needs REDIS_URL")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _engine_options(cfg: Config) -> dict:
    if cfg.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
        # a local file needs no ping; a writer waits this long for a lock before "database is locked"
        return {"connect_args": {"timeout": cfg.DB_CONNECT_TIMEOUT}}
    return {"pool_pre_ping": cfg.DB_POOL_PRE_PING, "pool_timeout": cfg.DB_POOL_TIMEOUT,
            "connect_args": {"connect_timeout": cfg.DB_CONNECT_TIMEOUT,
                             "prepare_threshold": cfg.DB_PREPARE_THRESHOLD}}


def _prepare_threshold(raw: str) -> int | None:
    return None if raw.strip().lower() in ("none", "off", "") else int(raw)


def _normalise_db_url(url: str) -> str:
    # Heroku-style postgres:// and plain postgresql:// both use psycopg 3
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
