"""The account's webhooks (pro): the section of /account/, the secret shown once, delete, test, the deliveries."""

from __future__ import annotations

import re

import pytest

from alerts.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
CREATE = "/account/webhooks/"
PUBLIC_URL = "https://93.184.216.34/turf"


def logged_in(client, user):
    client.force_login(user)
    return client


def test_a_pro_user_adds_an_endpoint_and_sees_its_secret_once(client, pro_user):
    page = logged_in(client, pro_user).get("/account/")
    assert 'id="webhooks"' in page.content.decode() and f'action="{CREATE}"' in page.content.decode()
    response = client.post(CREATE, {"url": PUBLIC_URL, "events": ["valuebet.created", "race.result"]})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = re.search(r"<code data-webhook-secret>(whsec_[\w-]+)</code>", response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get(user=pro_user)
    assert endpoint.secret == secret and endpoint.events == ["valuebet.created", "race.result"]
    listed = client.get(CREATE).content.decode()
    assert PUBLIC_URL in listed and secret not in listed and f'action="/account/webhooks/{endpoint.pk}/test/"' in listed
    assert secret not in client.get("/account/").content.decode()
    assert secret not in client.get(f"/account/webhooks/{endpoint.pk}/").content.decode()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"url": "https://10.0.0.1/turf", "events": ["race.result"]}, "public addresses only"),
        ({"url": "http://93.184.216.34/turf", "events": ["race.result"]}, "https://"),
        ({"url": PUBLIC_URL, "events": ["no.such"]}, "Events:"),
    ],
)
def test_a_refused_endpoint_is_explained(client, pro_user, data, says):
    response = logged_in(client, pro_user).post(CREATE, data)
    assert response.status_code == 400 and says in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_section_offers_the_pro_plan_below_it(client, premium_user):
    page = logged_in(client, premium_user).get("/account/").content.decode()
    assert 'id="webhooks"' in page and f'action="{CREATE}"' not in page
    assert client.get(CREATE).status_code == 403
    refused = logged_in(client, premium_user).post(CREATE, {"url": PUBLIC_URL, "events": ["race.result"]})
    assert refused.status_code == 403


def test_send_a_test_event_then_read_the_deliveries(client, pro_user):
    endpoint = WebhookEndpoint.objects.create(user=pro_user, url=PUBLIC_URL, events=["race.result"], secret="whsec_x")
    response = logged_in(client, pro_user).post(f"/account/webhooks/{endpoint.pk}/test/")
    assert response.status_code == 302 and response["Location"] == f"/account/webhooks/{endpoint.pk}/"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event_type == "webhook.test" and delivery.status == DeliveryStatus.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RETRYING, attempts=2, response_status=503, response_ms=41, error="HTTP 503."
    )
    page = client.get(f"/account/webhooks/{endpoint.pk}/").content.decode()
    row = page.split(f'data-delivery="{delivery.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "webhook.test" in row and "503" in row and "41" in row and "HTTP 503." in row


def test_delete_an_endpoint(client, pro_user):
    endpoint = WebhookEndpoint.objects.create(user=pro_user, url=PUBLIC_URL, events=["race.result"], secret="whsec_x")
    response = logged_in(client, pro_user).post(f"/account/webhooks/{endpoint.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == CREATE
    assert not WebhookEndpoint.objects.exists()


def test_the_pages_speak_french(client, pro_user):
    endpoint = WebhookEndpoint.objects.create(user=pro_user, url=PUBLIC_URL, events=["race.result"], secret="whsec_x")
    client.force_login(pro_user)
    listed = client.get(CREATE, headers={"Accept-Language": "fr"}).content.decode()
    assert "Envoyer un événement de test" in listed and "Ajouter le webhook" in listed
    page = client.get(f"/account/webhooks/{endpoint.pk}/", headers={"Accept-Language": "fr"}).content.decode()
    assert "Rien n’a encore été envoyé." in page
