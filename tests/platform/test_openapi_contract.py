"""Issue 18 item 4: the OpenAPI document states the enumerations (refusal and termination grounds,
notice items, 先行提供 grounds, matters, outcomes) and the required fields, gives the checklist per matter
from an endpoint, and documents the caller-number answer."""
from __future__ import annotations

import json

from app.procedure import law


def _spec(client):
    return client.get("/api/openapi.json").get_json()


def _schema(spec, name):
    return spec["components"]["schemas"][name]


def test_grounds_items_and_outcomes_are_enums(client):
    spec = _spec(client)
    refuse = _schema(spec, "RefuseInput")
    assert refuse["properties"]["grounds"]["items"]["enum"] == list(law.REFUSAL_GROUNDS)
    assert "grounds" in refuse["required"] and refuse["properties"]["grounds"]["minItems"] == 1
    term = _schema(spec, "TerminateInput")
    assert term["properties"]["ground"]["enum"] == list(law.TERMINATION_GROUNDS) + list(law.EXPEDITE_TERMINATION)
    assert {"ground", "note"} <= set(term["required"])
    exp = _schema(spec, "ExpediteRequestInput")["properties"]["ground"]
    assert [v for v in exp["enum"] if v] == list(law.EXPEDITE_GROUNDS)
    for name in ("NoticeInput", "ReceiveInput"):
        items = _schema(spec, name)["properties"]["items"]["items"]["enum"]
        assert "id_front" in items and "employment_proof" in items and "medical_records" in items
    out = _schema(spec, "EligibilityOut")["properties"]
    assert out["result"]["enum"] == ["likely_eligible", "not_eligible", "needs_review"]
    assert out["means_test"]["enum"] == ["not_required", "exempt", "required"]
    assert _schema(spec, "ObjectionOut")["properties"]["status"]["enum"] == ["open", "upheld", "corrected"]


def test_matters_follow_the_provinces_configuration(make_app):
    extra = {"consumer_rights": {"label": "消费者权益", "article": "湖北省法律援助条例第十条", "text": "请求消费者权益保护"}}
    spec = make_app(ELIGIBILITY_EXTRA_MATTERS=extra).test_client().get("/api/openapi.json").get_json()
    for name in ("EligibilityInput", "ApplicationEligibilityInput"):
        matters = _schema(spec, name)["properties"]["matter"]["enum"]
        assert "labour_relation_or_pay" in matters and "consumer_rights" in matters
        assert "disability" in _schema(spec, name)["properties"]["groups"]["items"]["enum"] or \
            len(_schema(spec, name)["properties"]["groups"]["items"]["enum"]) >= 3


def test_checklist_per_matter_from_an_endpoint(client):
    r = client.get("/api/v1/eligibility/checklist?matter=personal_injury")
    assert r.status_code == 200
    body = r.get_json()
    keys = [i["key"] for i in body["items"]]
    assert body["matter"] == "personal_injury" and keys[:2] == ["id_front", "id_back"]
    assert {"accident_finding", "medical_records"} <= set(keys) and "employment_proof" not in keys
    assert [i["key"] for i in client.get("/api/v1/eligibility/checklist").get_json()["items"]] == [k for k, _, _ in law.COMMON_ITEMS]
    r = client.get("/api/v1/eligibility/checklist?matter=bogus")
    assert r.status_code == 404 and r.get_json()["message"] == "未知的事项"
    assert "/api/v1/eligibility/checklist" in _spec(client)["paths"]


def test_caller_number_answer_is_documented(client):
    spec = _spec(client)
    op = spec["paths"]["/api/v1/consultations/{consultation_id}/caller-number"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    props = _schema(spec, ref.rsplit("/", 1)[1])["properties"]
    assert {"id", "caller", "caller_masked"} <= set(props)
    json.dumps(spec)  # serialisable as served
