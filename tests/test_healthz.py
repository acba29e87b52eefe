import json


def test_healthz_names_the_state_of_database_broker_and_storage(client, db):
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["database"] == "ok"
    assert body["storage"] == "ok"
    assert body["broker"] in ("ok", "in-process")
    assert body["status"] == "ok"


def test_healthz_reports_a_broken_database(client, db, monkeypatch):
    from webapp import health

    class DownConnection:
        def cursor(self):
            raise OSError("connection refused")

    monkeypatch.setattr(health, "connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"].startswith("error")
