import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_health_is_public_and_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == "v1"
    assert body["database"] == "ok"


def test_health_answers_503_when_the_database_is_down(client, monkeypatch):
    from turf import views

    def broken_cursor():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", broken_cursor)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"
