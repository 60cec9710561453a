"""The webhooks' API: pro only, the secret shown once, https and public addresses only, a cap, 404 for another
user's endpoint."""

from __future__ import annotations

import logging

import pytest

from alerts.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from alerts.services.webhooks import DELIVER_TASK

pytestmark = pytest.mark.django_db
HOOKS = "/api/v1/webhooks"
PUBLIC_URL = "https://93.184.216.34/turf"  # a literal public address: no DNS needed


def create(api, user, url=PUBLIC_URL, events=("valuebet.created", "race.result")):
    return api.as_user(user).post(HOOKS, {"url": url, "events": list(events)}, format="json")


def test_a_pro_user_registers_an_endpoint_and_sees_its_secret_once(api, pro_user, caplog):
    with caplog.at_level(logging.DEBUG):
        response = create(api, pro_user)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["url"] == PUBLIC_URL and body["events"] == ["valuebet.created", "race.result"]
    assert body["is_active"] is True and response["Cache-Control"] == "no-store"
    assert body["secret"] not in caplog.text
    listed = api.get(HOOKS)
    one = api.get(f"{HOOKS}/{body['id']}")
    assert listed.status_code == one.status_code == 200
    assert [row["id"] for row in listed.json()["data"]] == [body["id"]]
    assert "secret" not in one.json() and body["secret"] not in listed.content.decode() + one.content.decode()
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]  # kept to sign


@pytest.mark.parametrize("persona", ["free_user", "premium_user"])
def test_webhooks_are_for_the_pro_plan(api, persona, request):
    assert create(api, request.getfixturevalue(persona)).status_code == 403
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("http://93.184.216.34/turf", "url"),
        ("https://127.0.0.1/turf", "url"),
        ("https://10.0.0.1/turf", "url"),
        ("https://169.254.169.254/latest/meta-data", "url"),
        ("https://[::1]/turf", "url"),
        ("not a url", "url"),
    ],
)
def test_refused_urls_answer_400(api, pro_user, url, field, connects):
    response = create(api, pro_user, url=url)
    assert response.status_code == 400 and response.json()["message"].startswith(f"{field}:"), response.json()
    assert not WebhookEndpoint.objects.exists() and connects == []


def test_a_name_resolving_to_a_private_address_is_refused_at_registration(api, pro_user, resolves_to, connects):
    resolves_to["hooks.example.com"] = ["10.0.0.1"]
    response = create(api, pro_user, url="https://hooks.example.com/in")
    assert response.status_code == 400 and "public addresses only" in response.json()["message"]
    assert connects == []


@pytest.mark.parametrize("events", [["valuebet.created", "no.such.event"], [], ["webhook.test"]])
def test_unknown_or_missing_event_types_answer_400(api, pro_user, events):
    response = create(api, pro_user, events=events)
    assert response.status_code == 400 and "events" in response.json()["message"]


def test_an_account_holds_at_most_the_settings_endpoints(api, pro_user, settings):
    settings.TURF_WEBHOOK_MAX_ENDPOINTS = 2
    assert create(api, pro_user).status_code == create(api, pro_user).status_code == 201
    refused = create(api, pro_user)
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert WebhookEndpoint.objects.count() == 2


def test_another_users_endpoint_answers_404_everywhere(api, pro_user, django_user_model):
    from billing.models import Plan
    from billing.services import subscription_plan_set

    hook_id = create(api, pro_user).json()["id"]
    intruder = django_user_model.objects.create_user(email="ivan@turf.test", password="s3cret-Pass!")
    subscription_plan_set(user=intruder, plan=Plan.objects.get(code="pro"))
    api.as_user(intruder)
    for method, path in (
        ("get", f"{HOOKS}/{hook_id}"),
        ("delete", f"{HOOKS}/{hook_id}"),
        ("get", f"{HOOKS}/{hook_id}/deliveries"),
        ("post", f"{HOOKS}/{hook_id}/test"),
    ):
        response = getattr(api, method)(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found", (method, path)
    assert api.get(HOOKS).json()["data"] == []
    assert WebhookEndpoint.objects.filter(pk=hook_id).exists() and not WebhookDelivery.objects.exists()


def test_the_test_event_is_queued_and_listed_in_the_deliveries(
    api, pro_user, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "alerts.services.webhooks.current_app.signature",
        lambda name, args: type("S", (), {"delay": lambda self: sent.append((name, args))})(),
    )
    hook_id = create(api, pro_user).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"{HOOKS}/{hook_id}/test")
    assert answer.status_code == 202
    delivery = answer.json()
    assert delivery["event_type"] == "webhook.test" and delivery["status"] == DeliveryStatus.PENDING
    assert delivery["event_id"] is None and delivery["attempts"] == 0
    assert sent == [(DELIVER_TASK, (delivery["id"],))]
    page = api.get(f"{HOOKS}/{hook_id}/deliveries").json()
    assert page["pagination"]["total"] == 1
    (row,) = page["data"]
    assert set(row) == {
        "id", "event_id", "event_type", "status", "attempts", "response_status", "response_ms", "error",
        "created_at", "last_attempt_at", "next_attempt_at", "delivered_at",
    }  # fmt: skip
    assert row["id"] == delivery["id"]


def test_deleting_an_endpoint_deletes_its_deliveries(api, pro_user):
    hook_id = create(api, pro_user).json()["id"]
    api.post(f"{HOOKS}/{hook_id}/test")
    assert WebhookDelivery.objects.count() == 1
    assert api.delete(f"{HOOKS}/{hook_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert api.get(f"{HOOKS}/{hook_id}").status_code == 404
