"""GET /api/v1/client-config: what the mini-program needs before the citizen taps (no login)."""


def test_client_config_gives_the_servers_template_ids_without_login(make_app):
    app = make_app(WECHAT_TEMPLATE_STATUS="tmpl-status-123", WECHAT_TEMPLATE_DOCUMENT="tmpl-doc-456")
    r = app.test_client().get("/api/v1/client-config")
    assert r.status_code == 200
    assert r.get_json()["subscribe_templates"] == {"status": "tmpl-status-123", "document": "tmpl-doc-456",
                                                   "letter": "dev-template-letter"}


def test_client_config_is_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/client-config" in spec["paths"]
    ref = spec["paths"]["/api/v1/client-config"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "subscribe_templates" in schema["properties"]
