"""One input path per action, supervision (质量监管): drawing a sample and scoring a call load the same
schema (SampleInput, ScoreInput) through the API and the console page; the service holds the period
rules, so both refuse the same input with the same Chinese field errors and nothing is stored."""
from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.supervision.models import Review, SampleBatch
from tests.support import api_login, city_centre_id, console_login

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _review(app, staff) -> int:
    """One answered call of duty1 on Thursday, in a sample, waiting for its score."""
    import app.consultations.phones as phones
    from app.consultations.models import Consultation
    from app.consultations.service import build_row
    ring = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.timezone.utc)
    with app.app_context():
        c = Consultation(**build_row(phones.normalise("13907140001"), ring, ring + dt.timedelta(seconds=2),
                                     ring + dt.timedelta(seconds=122), call_id="S1", duty_lawyer_id=staff["duty1"]["id"],
                                     topic="劳动争议", centre_id=city_centre_id()))
        batch = SampleBatch(period_start=dt.date(2026, 9, 21), period_end=dt.date(2026, 9, 24), rate=0.1,
                            min_per_lawyer=1, seed="s", created_at=NOW, centre_id=city_centre_id())
        db.session.add_all([c, batch])
        db.session.flush()
        r = Review(sample_id=batch.id, consultation_id=c.id, lawyer_id=c.duty_lawyer_id, period_day=dt.date(2026, 9, 24))
        db.session.add(r)
        db.session.commit()
        return r.id


def _both(app, client, api_path, page_path, referer, body):
    api = client.post(api_path, json=body, headers=api_login(client, "supervisor1"))
    page = app.test_client()
    csrf = console_login(page, "supervisor1")
    r = page.post(page_path, data={**{k: str(v) for k, v in body.items()}, "csrf_token": csrf},
                  headers={"Referer": f"http://localhost{referer}"})
    return api, r


@time_machine.travel(NOW, tick=False)
def test_score_refused_alike_by_api_and_page(app, client, staff):
    rid = _review(app, staff)
    good = {"attitude": 20, "professionalism": 20, "language": 20, "accuracy": 20}
    cases = [
        ({**good, "attitude": 26}, {"attitude": ["应大于或等于 0 且小于或等于 25。"]}),
        ({k: v for k, v in good.items() if k != "accuracy"}, {"accuracy": ["此项为必填项。"]}),
        ({**good, "language": "很好"}, {"language": ["应为整数。"]}),
        ({**good, "comment": "评" * 2001}, {"comment": ["长度不能超过 2000 个字符。"]}),
    ]
    for body, fields in cases:
        api, r = _both(app, client, f"/api/v1/supervision/reviews/{rid}/score",
                       f"/console/supervision/reviews/{rid}/score", f"/console/supervision/reviews/{rid}", body)
        assert api.status_code == r.status_code == 422, (body, api.get_json())
        state = _form_state(r.get_data(as_text=True))
        assert api.get_json()["details"]["fields"] == state["errors"] == fields
        with app.app_context():
            rv = db.session.get(Review, rid)
            assert (rv.status, rv.total, rv.attitude, rv.reviewer_id) == ("pending", None, None, None)


@time_machine.travel(NOW, tick=False)
def test_sample_refused_alike_by_api_and_page(app, client, staff):
    _review(app, staff)
    cases = [
        ({"period_start": "2026-09-24", "period_end": "2026-09-21"}, {"period_end": ["结束日期不能早于开始日期"]}),
        ({"period_start": "2025-01-01", "period_end": "2026-09-24"}, {"period_end": ["抽样周期不能超过一年"]}),
        ({"period_start": "2026-09-21", "period_end": "2026-09-24", "rate": 2}, {"rate": ["应大于或等于 0.001 且小于或等于 1。"]}),
        ({"period_end": "2026-09-24"}, {"period_start": ["此项为必填项。"]}),
        ({"period_start": "2026-09-01", "period_end": "2026-09-07"},  # no answered call that week
         {"period_start": ["该周期内没有已接通的来电"], "period_end": ["该周期内没有已接通的来电"]}),
    ]
    for body, fields in cases:
        api, r = _both(app, client, "/api/v1/supervision/samples", "/console/supervision/samples",
                       "/console/supervision", body)
        assert api.status_code == r.status_code == 422, (body, api.get_json())
        state = _form_state(r.get_data(as_text=True))
        assert api.get_json()["details"]["fields"] == state["errors"] == fields
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SampleBatch)) == 1  # the fixture's only
