"""The baseline for bench/api.py: a bare Flask JSON endpoint, no database, no auth."""
from flask import Flask, jsonify

app = Flask(__name__)
PAYLOAD = {"id": 0, "reference": "FY20261129000001", "status": "submitted", "status_label": "已提交",
           "applicant_name": "刘建国", "timeline": [{"action": "create"}, {"action": "submit"}]}


@app.get("/api/v1/applications/<int:application_id>")
def get_application(application_id):
    return jsonify(dict(PAYLOAD, id=application_id))
