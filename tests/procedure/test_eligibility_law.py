"""The screen read against the statute (issue 17 item 8), on the pure function: Art. 42 (三) only for
pay and a work injury; the elderly and disabled exempt only 无固定生活来源; Art. 32 situations eligible
whatever the matter; Art. 33's retrial condition asked; criminal matters sent to their own route."""
from __future__ import annotations

import types

import pytest

from app.procedure.eligibility import UnknownKeys, screen, screen_from_application

CONFIG = {"HARDSHIP_MONTHLY_INCOME_PER_MEMBER": "1500"}


def _articles(body):
    return [b["article"] for b in body["basis"]]


def test_migrant_worker_exempt_for_pay():
    body = screen({"matter": "labour_relation_or_pay", "groups": ["migrant_worker_pay_or_injury"]}, CONFIG)
    assert (body["result"], body["means_test"]) == ("likely_eligible", "exempt")
    assert "第四十二条第（三）项" in _articles(body)


def test_migrant_worker_exempt_for_a_work_injury_only():
    work = screen({"matter": "personal_injury", "injury": "work", "groups": ["migrant_worker_pay_or_injury"]}, CONFIG)
    assert (work["result"], work["means_test"]) == ("likely_eligible", "exempt")
    for kind, label in (("traffic", "交通事故"), ("medical", "医疗事故"), ("food_drug", "食品药品安全事故")):
        body = screen({"matter": "personal_injury", "injury": kind, "groups": ["migrant_worker_pay_or_injury"]}, CONFIG)
        assert body["means_test"] == "required", kind
        assert body["result"] == "needs_review"  # no income stated: the centre checks the hardship
        assert any(label in b["text"] and "不适用" in b["text"] for b in body["basis"]), kind
    # the kind of accident not said: no exemption, and the screen asks
    unsaid = screen({"matter": "personal_injury", "groups": ["migrant_worker_pay_or_injury"]}, CONFIG)
    assert unsaid["means_test"] == "required"
    assert any("请说明事故类型" in b["text"] for b in unsaid["basis"])


def test_elderly_or_disabled_category_is_not_an_exemption_by_itself():
    for category in ("老年人", "残疾人"):
        app_ = types.SimpleNamespace(hardship_category=category, category="婚姻家庭")
        body = screen_from_application(app_, CONFIG)
        assert body["means_test"] == "required", category
        assert any("无固定生活来源" in b["text"] for b in body["basis"])
    # stated without fixed income (Art. 42 (一)): exempt
    body = screen({"matter": "maintenance", "groups": ["dependent_without_income"]}, CONFIG)
    assert (body["result"], body["means_test"]) == ("likely_eligible", "exempt")
    assert "第四十二条第（一）项" in _articles(body)


def test_application_category_work_injury_reaches_the_migrant_exemption():
    app_ = types.SimpleNamespace(hardship_category="农民工追索劳动报酬", category="工伤")
    assert screen_from_application(app_, CONFIG)["means_test"] == "exempt"
    app_ = types.SimpleNamespace(hardship_category="农民工追索劳动报酬", category="交通事故")
    assert screen_from_application(app_, CONFIG)["means_test"] == "required"


@pytest.mark.parametrize("matter", ["other", "maintenance", "state_compensation"])
def test_art32_situation_is_likely_eligible_whatever_the_matter(matter):
    body = screen({"matter": matter, "situations": ["martyr_relative"]}, CONFIG)
    assert (body["result"], body["means_test"]) == ("likely_eligible", "not_required")
    assert "第三十二条第（一）项" in _articles(body) and "第三十二条" in _articles(body)


def test_retrial_petition_asks_about_the_courts_decision():
    asked = screen({"matter": "retrial_petition", "household_size": 2, "monthly_income": "1000"}, CONFIG)
    assert asked["result"] == "needs_review"
    assert any(b["article"] == "第三十三条" and "是否已决定" in b["text"] for b in asked["basis"])
    for stage in ("court_decided", "procuratorate_protest"):
        ok = screen({"matter": "retrial_petition", "retrial": stage, "household_size": 2, "monthly_income": "1000"},
                    CONFIG)
        assert ok["result"] == "likely_eligible", stage
    no = screen({"matter": "retrial_petition", "retrial": "none", "household_size": 2, "monthly_income": "1000"},
                CONFIG)
    assert no["result"] == "not_eligible"
    assert any("尚不符合" in b["text"] for b in no["basis"])


def test_criminal_matter_points_to_its_own_route_and_the_hotline():
    body = screen({"matter": "criminal"}, CONFIG)
    assert body["result"] == "needs_review"
    assert body["basis"][0]["article"] == "第二十四条至第二十九条"
    text = body["basis"][0]["text"]
    assert "12348" in text and "不适用本自测" in text
    assert not any("本省" in b["text"] or "省" in b["article"] for b in body["basis"])


def test_unknown_injury_or_retrial_stage_is_refused():
    with pytest.raises(UnknownKeys) as err:
        screen({"matter": "personal_injury", "injury": "shipwreck", "retrial": "maybe"}, CONFIG)
    assert set(err.value.fields) == {"injury", "retrial"}
