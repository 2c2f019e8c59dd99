"""POST /api/v1/eligibility: a result, the means-test status, the basis (article and text) and the
documents to bring; unknown keys 422 in the error shape; province extensions and the hardship
standard from configuration; rate limited."""
from __future__ import annotations


def _screen(client, **body):
    return client.post("/api/v1/eligibility", json=body)


def test_matter_with_exempt_group(client):
    r = _screen(client, matter="labour_relation_or_pay", groups=["migrant_worker_pay_or_injury"])
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"result", "means_test", "basis", "documents"}
    assert body["result"] == "likely_eligible" and body["means_test"] == "exempt"
    articles = [b["article"] for b in body["basis"]]
    assert "第三十一条第（五）项" in articles and "第四十二条第（三）项" in articles
    assert any("劳动报酬" in b["text"] for b in body["basis"])
    assert "居民身份证" in body["documents"] and any("务工" in d for d in body["documents"])


def test_migrant_group_does_not_exempt_other_matters(client):
    body = _screen(client, matter="maintenance", groups=["migrant_worker_pay_or_injury"]).get_json()
    assert body["means_test"] == "required" and body["result"] == "needs_review"
    assert any("不适用" in b["text"] for b in body["basis"])


def test_situation_without_hardship_condition(client):
    body = _screen(client, matter="other", situations=["abuse_or_domestic_violence"]).get_json()
    assert body["means_test"] == "not_required"
    assert any(b["article"] == "第三十二条第（四）项" for b in body["basis"])
    assert body["result"] == "likely_eligible"  # Art. 32: whatever the matter


def test_means_test_against_the_configured_standard(make_app):
    app = make_app(HARDSHIP_MONTHLY_INCOME_PER_MEMBER="1500", HARDSHIP_STANDARD_TEXT="湖北省标准")
    client = app.test_client()
    low = _screen(client, matter="maintenance", household_size=3, monthly_income="3000").get_json()
    assert low["result"] == "likely_eligible" and low["means_test"] == "required"
    art34 = [b for b in low["basis"] if b["article"] == "第三十四条"][0]
    assert "1000.00" in art34["text"] and "1500" in art34["text"] and "湖北省标准" in art34["text"]
    assert any("诚信承诺" in d for d in low["documents"])
    high = _screen(client, matter="maintenance", household_size=2, monthly_income=6000).get_json()
    assert high["result"] == "not_eligible"
    unknown = _screen(client, matter="maintenance").get_json()
    assert unknown["result"] == "needs_review"


def test_province_extension_from_configuration(make_app):
    extra = {"consumer_rights": {"label": "消费者权益", "article": "《湖北省法律援助条例》第十二条第（三）项",
                                 "text": "请求维护消费者合法权益", "documents": ["购物凭证"]}}
    client = make_app(ELIGIBILITY_EXTRA_MATTERS=extra).test_client()
    body = _screen(client, matter="consumer_rights", groups=["assistance_or_special_care"]).get_json()
    assert body["basis"][0] == {"article": "《湖北省法律援助条例》第十二条第（三）项", "text": "请求维护消费者合法权益"}
    assert "购物凭证" in body["documents"]
    rules = client.get("/api/v1/eligibility/rules").get_json()
    assert "consumer_rights" in [m["key"] for m in rules["matters"]]
    assert rules["integrity_commitment"]["version"] and "承诺" in rules["integrity_commitment"]["text"]


def test_unknown_keys_are_422_in_the_error_shape(client):
    for body, field in (({"matter": "space_law"}, "matter"),
                        ({"matter": "maintenance", "situations": ["nope"]}, "situations"),
                        ({"matter": "maintenance", "groups": ["vip"]}, "groups")):
        r = _screen(client, **body)
        assert r.status_code == 422, body
        err = r.get_json()
        assert set(err) == {"code", "message", "details"} and err["code"] == "unknown_key"
        assert field in err["details"]["fields"] and "未知" in err["details"]["fields"][field][0]
    r = _screen(client, matter="maintenance", colour="blue")  # an unknown property
    assert r.status_code == 422 and "colour" in r.get_json()["details"]["fields"]
    for bad in ({"matter": "maintenance", "household_size": 0}, {"matter": "maintenance", "monthly_income": -1},
                {"matter": "maintenance", "monthly_income": "abc"}, {}):
        r = _screen(client, **bad)
        assert r.status_code == 422 and r.get_json()["message"], bad


def test_rate_limited(make_app):
    import secrets
    client = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT_ELIGIBILITY="3 per minute",
                      RATELIMIT_KEY_PREFIX=f"t{secrets.token_hex(6)}").test_client()
    codes = [_screen(client, matter="maintenance").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = _screen(client, matter="maintenance")
    assert r.get_json()["code"] == "rate_limited" and "Retry-After" in r.headers


def test_the_application_keeps_the_screen_and_the_commitment(client, fake_wechat, app):
    from tests.factories import full_application, login
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    app_id = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    url = f"/api/v1/applications/{app_id}/eligibility"
    body = {"matter": "maintenance", "household_size": 3, "monthly_income": "3000"}
    r = client.put(url, json=body, headers=s["headers"])
    assert r.status_code == 422 and "integrity_commitment" in r.get_json()["details"]["fields"]  # Art. 41
    r = client.put(url, json={**body, "integrity_commitment": {"version": "1999-01", "accepted": True}},
                   headers=s["headers"])
    assert r.status_code == 422
    r = client.put(url, json={**body, "integrity_commitment": {"version": "2026-01", "accepted": True}},
                   headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["source"] == "citizen" and out["means_test"] == "required" and out["input"]["matter"] == "maintenance"
    assert client.put(url, json=body, headers=other["headers"]).status_code == 404  # another citizen
    assert client.put(url, json={"matter": "nope"}, headers=s["headers"]).status_code == 422
    with app.app_context():
        from app.applications.models import Application
        from app.extensions import db
        from app.procedure.models import read_state
        a = read_state(db.session.get(Application, app_id))
        assert a.integrity_commitment["version"] == "2026-01" and "如实" in a.integrity_commitment["text"] \
            or "真实" in a.integrity_commitment["text"]
        assert a.eligibility["answer"]["result"] == out["result"]
    client.post(f"/api/v1/applications/{app_id}/submit", headers=s["headers"])
    assert client.put(url, json=body, headers=s["headers"]).status_code == 409  # only while a draft


def test_the_stored_screen_and_commitment_can_be_read_back(client, fake_wechat):
    """The mini-program reopening a draft restores the answers and the commitment from the server."""
    from tests.factories import full_application, login
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    app_id = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    url = f"/api/v1/applications/{app_id}/eligibility"
    before = client.get(url, headers=s["headers"])
    assert before.status_code == 200
    assert before.get_json()["source"] == "derived" and before.get_json()["integrity_commitment"] is None
    body = {"matter": "maintenance", "groups": [], "household_size": 3, "monthly_income": "3000",
            "integrity_commitment": {"version": "2026-01", "accepted": True}}
    assert client.put(url, json=body, headers=s["headers"]).status_code == 200
    out = client.get(url, headers=s["headers"]).get_json()
    assert out["source"] == "citizen" and out["input"]["matter"] == "maintenance" and out["input"]["household_size"] == 3
    assert out["integrity_commitment"]["version"] == "2026-01" and out["integrity_commitment"]["accepted_at"]
    assert client.get(url, headers=other["headers"]).status_code == 404  # another citizen's: nothing
    assert client.get(url).status_code == 401
