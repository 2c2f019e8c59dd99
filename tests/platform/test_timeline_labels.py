"""Timeline events carry their Chinese name from the one vocabulary (app.applications.actions), so the
mini-program shows what the console shows, and new events need no client release."""
from app.applications.actions import EVENT_LABELS, event_label
from tests.factories import full_application, login


def test_citizen_timeline_has_chinese_action_labels(client, fake_wechat):
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 200
    timeline = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"]).get_json()["timeline"]
    assert [(e["action"], e["action_label"]) for e in timeline] == [("create", "创建申请"), ("submit", "提交申请")]


def test_every_event_has_a_label_and_an_unknown_one_a_neutral_name():
    assert all(label and not label.isascii() for label in EVENT_LABELS.values())
    assert event_label("objection_lodged") == "提出异议"
    assert event_label("something_new") == "办理进展"
