def test_openapi_document_lists_the_api(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["info"]["title"].startswith("12348")
    paths = spec["paths"]
    for p in ("/api/v1/auth/wechat/login", "/api/v1/me/phone", "/api/v1/applications",
              "/api/v1/applications/{application_id}", "/api/v1/applications/{application_id}/submit",
              "/api/v1/documents", "/api/v1/documents/{document_id}/url",
              "/api/v1/applications/{application_id}/rating"):
        assert p in paths, p
    upload = paths["/api/v1/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_docs_page_uses_vendored_script(client):
    r = client.get("/api/docs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "/static/vendor/redoc/redoc.standalone.js" in html
    assert client.get("/static/vendor/redoc/redoc.standalone.js").status_code == 200


def test_unknown_route_and_method_use_the_error_shape(client):
    r = client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.get_json() == {"code": "not_found", "message": "未找到该资源", "details": {}}
    r = client.delete("/api/v1/auth/wechat/login")
    assert r.status_code == 405 and r.get_json()["code"] == "method_not_allowed"


def test_malformed_json_is_a_clear_400_or_422(client):
    r = client.post("/api/v1/auth/wechat/login", data="{bad json", content_type="application/json")
    assert r.status_code in (400, 422)
    body = r.get_json()
    assert set(body) == {"code", "message", "details"} and "Traceback" not in r.get_data(as_text=True)


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json()["checks"] == {"database": "ok", "storage": "ok"}
