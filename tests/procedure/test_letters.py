"""Letter numbers: per series and year, in the configured format, without gaps or duplicates under
concurrency (threads; on PostgreSQL when DATABASE_URL points there, as CI's second pass does); a
failed letter gives its number back and leaves no object; stored immutably with its SHA-256."""
from __future__ import annotations

import hashlib
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.support import make_case


def _issue(app, app_id, kind="grant", **data):
    from app.applications.models import Application
    from app.procedure import letters
    a = db.session.get(Application, app_id)
    letter = letters.issue(a, kind, {"recipient": "刘建国", "paragraphs": ["测试"], **data})
    db.session.commit()
    return letter.number, letter.seq


def test_concurrent_numbering_has_no_gaps_or_duplicates(make_app, staff):  # noqa: ARG001
    app = make_app()
    app_id = make_case(app, "under_review", by_phone=True)
    n = 8
    results, errors_ = [], []
    barrier = threading.Barrier(n)

    def worker():
        try:
            with app.app_context():
                barrier.wait(10)
                results.append(_issue(app, app_id))
        except Exception as exc:  # noqa: BLE001
            errors_.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors_, errors_
    seqs = sorted(seq for _, seq in results)
    assert seqs == list(range(1, n + 1))
    numbers = [num for num, _ in results]
    assert len(set(numbers)) == n and all(num.startswith("武法援决字〔") and num.endswith("号") for num in numbers)
    with app.app_context():
        from app.procedure.models import Letter, LetterCounter
        prefix = app.config["LETTER_PREFIX_DECISION"]  # (the case also has its 收件回执, in its own series)
        assert db.session.scalar(sa.select(LetterCounter.last_seq).where(LetterCounter.series == prefix)) == n
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Letter).where(Letter.kind == "grant")) == n


def test_series_format_and_a_failed_letter_gives_its_number_back(make_app, staff, monkeypatch):  # noqa: ARG001
    app = make_app(LETTER_NUMBER_FORMAT="{prefix}[{year}]{seq:05d}", LETTER_PREFIX_NOTICE="测补")
    app_id = make_case(app, "under_review", by_phone=True)
    from app.common.timeutil import LOCAL_TZ, utcnow
    year = utcnow().astimezone(LOCAL_TZ).year
    with app.app_context():
        from app.procedure import letters
        from app.procedure.models import Letter
        from app.storage_bridge import get_storage
        assert _issue(app, app_id, "supplement_notice") == (f"测补[{year}]00001", 1)
        assert _issue(app, app_id, "grant")[1] == 1  # another series counts on its own
        # the database fails after the PDF was stored: rolled back, the object deleted, the number reused
        stored = []
        real_put = get_storage().put
        monkeypatch.setattr(get_storage(), "put", lambda key, data, content_type=None: (stored.append(key),
                                                                                        real_put(key, data, content_type)))
        from app.applications.models import Application
        a = db.session.get(Application, app_id)
        letters.issue(a, "supplement_notice", {"paragraphs": ["x"]})
        db.session.rollback()
        assert stored and not get_storage().exists(stored[-1])
        assert _issue(app, app_id, "supplement_notice") == (f"测补[{year}]00002", 2)
        letter = db.session.scalar(sa.select(Letter).where(Letter.seq == 2, Letter.series == "测补"))
        data = get_storage().get(letter.storage_key)
        assert hashlib.sha256(data).hexdigest() == letter.sha256 and data.startswith(b"%PDF")
        assert letters.read_pdf(letter) == data
        # the stored bytes are checked on every read: a changed object is refused
        real_put(letter.storage_key, data + b"%tampered", "application/pdf")
        from app import errors
        with pytest.raises(errors.ApiError) as exc:
            letters.read_pdf(letter)
        assert exc.value.code == "letter_integrity"


def test_rare_characters_use_the_full_font(make_app, staff):  # noqa: ARG001
    import subprocess
    app = make_app()
    app_id = make_case(app, "under_review", by_phone=True, applicant_name="刘硚浉")
    with app.app_context():
        from app.applications.models import Application
        from app.procedure import letters
        a = db.session.get(Application, app_id)
        letter = letters.issue(a, "grant", {"recipient": a.applicant_name, "paragraphs": ["住址：武汉市硚口区"]})
        db.session.commit()
        pdf = letters.read_pdf(letter)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "刘硚浉" in text and "硚口区" in text
