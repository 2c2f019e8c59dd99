"""The baselines for bench/api.py: bare Flask JSON endpoints, no database, no auth, answering
payloads of about the size and shape the real endpoints answer."""
from flask import Flask, jsonify

app = Flask(__name__)
PAYLOAD = {"id": 0, "reference": "FY20261129000001", "status": "submitted", "status_label": "已提交",
           "applicant_name": "刘建国", "timeline": [{"action": "create"}, {"action": "submit"}]}
ITEM = {"id": 0, "reference": "FY20261129000001", "status": "submitted", "status_label": "已提交",
        "applicant_name": "刘建国", "id_number_masked": "420102********1234", "category": "农民工欠薪",
        "service_type": "representation", "legal_deadline": None, "is_urgent": False,
        "created_at": "2026-11-29T08:00:00+00:00", "updated_at": "2026-11-29T08:00:00+00:00"}


@app.get("/api/v1/applications/<int:application_id>")
def get_application(application_id):
    return jsonify(dict(PAYLOAD, id=application_id))


@app.get("/api/v1/applications")
def list_applications():
    return jsonify({"items": [dict(ITEM, id=i) for i in (3, 2, 1)], "page": 1, "page_size": 20, "total": 3})


_ROW = ("<tr><td><a href=\"/console/applications/{i}\">FY20261129{i:06d}</a></td><td>刘建国</td><td>420102********1234</td>"
        "<td>农民工欠薪</td><td>已提交</td><td>2026-11-29 08:00</td></tr>")


def _page(title: str, n: int) -> str:
    rows = "".join(_ROW.format(i=i) for i in range(n))
    return (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1><table>{rows}</table></body></html>")


@app.get("/console/")
def console_home():  # bench/console.py's baseline: an HTML page of about the queue page's size
    return _page("工作台", 60)


@app.get("/console/applications")
def console_applications():
    return _page("申请与案件", 50)
