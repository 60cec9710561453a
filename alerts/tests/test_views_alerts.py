"""The alerts' API and pages: one's own alerts (another user's answer 404), read one or all, the preferences (the
webhook channel only where the plan opens it), and the nav's badge."""

from __future__ import annotations

import pytest

from alerts.models import Alert, AlertPreference, Event, EventType

from .factories import race_to_come

pytestmark = pytest.mark.django_db


def alerts_for(user, count: int) -> list[Alert]:
    race = race_to_come(runners=count, code=f"A{user.pk}")
    made = []
    for runner in race.runners.order_by("saddle_number"):
        event = Event.objects.create(
            type=EventType.RUNNER_DECLARED,
            key=f"runner.declared:{runner.pk}",
            race=race,
            runner=runner,
            payload={"horse": runner.horse.name, "saddle_number": runner.saddle_number, "race_code": "R1C1"},
        )
        made.append(Alert.objects.create(user=user, event=event))
    return made


def test_the_list_shows_ones_own_alerts_newest_first_and_the_unread_ones(api, free_user, other_user):
    mine = alerts_for(free_user, 3)
    alerts_for(other_user, 2)
    alert_read = mine[0]
    api.as_user(free_user).post(f"/api/v1/alerts/{alert_read.pk}/read")

    everything = api.get("/api/v1/alerts").json()
    unread = api.get("/api/v1/alerts?unread=true").json()

    assert [row["id"] for row in everything["data"]] == [a.pk for a in reversed(mine)]
    assert everything["unread"] == 2 and everything["pagination"]["total"] == 3
    assert {row["id"] for row in unread["data"]} == {mine[1].pk, mine[2].pk}
    assert everything["data"][0]["type"] == "runner.declared" and "horse" in everything["data"][0]["payload"]
    assert api.get("/api/v1/alerts?unread=yes").status_code == 400


def test_another_users_alert_answers_404_and_stays_unread(api, free_user, other_user):
    (theirs,) = alerts_for(other_user, 1)

    response = api.as_user(free_user).post(f"/api/v1/alerts/{theirs.pk}/read")

    assert response.status_code == 404 and response.json()["error"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_all_marks_only_ones_own(api, free_user, other_user):
    alerts_for(free_user, 2)
    alerts_for(other_user, 1)

    response = api.as_user(free_user).post("/api/v1/alerts/read")

    assert response.json()["read"] == 2
    assert not Alert.objects.filter(user=free_user, read_at__isnull=True).exists()
    assert Alert.objects.filter(user=other_user, read_at__isnull=True).count() == 1


def test_preferences_default_to_the_app_and_are_set_per_event_type(api, premium_user):
    api.as_user(premium_user)
    before = {row["event_type"]: row for row in api.get("/api/v1/alerts/preferences").json()["data"]}
    assert set(before) == set(EventType.values)
    assert before["race.result"]["channels"] == ["in_app"]
    assert before["odds.moved"]["odds_move_percent"] is None and before["odds.moved"]["odds_move_percent_effective"]

    body = {
        "preferences": [
            {"event_type": "odds.moved", "channels": ["email", "in_app"], "odds_move_percent": "35"},
            {"event_type": "race.result", "channels": []},
        ]
    }
    after = {
        row["event_type"]: row for row in api.put("/api/v1/alerts/preferences", body, format="json").json()["data"]
    }

    assert (
        after["odds.moved"]["channels"] == ["email", "in_app"] and float(after["odds.moved"]["odds_move_percent"]) == 35
    )
    assert after["race.result"]["channels"] == []
    assert after["runner.declared"]["channels"] == ["in_app"]  # not given: left as it was


@pytest.mark.parametrize(
    "preference, field",
    [
        ({"event_type": "race.result", "channels": ["sms"]}, "channels"),
        ({"event_type": "race.done", "channels": []}, "event_type"),
        ({"event_type": "race.result", "channels": [], "odds_move_percent": "10"}, "odds_move_percent"),
        ({"event_type": "odds.moved", "channels": [], "odds_move_percent": "0"}, "odds_move_percent"),
        ({"event_type": "odds.moved", "channels": [], "colour": "red"}, "colour"),
    ],
)
def test_a_bad_preference_is_a_400_and_saves_nothing(api, premium_user, preference, field):
    response = api.as_user(premium_user).put("/api/v1/alerts/preferences", {"preferences": [preference]}, format="json")

    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"
    assert field in response.json()["message"]
    assert not AlertPreference.objects.exists()


def test_the_webhook_channel_needs_a_plan_that_opens_webhooks(api, premium_user, pro_user):
    body = {"preferences": [{"event_type": "valuebet.created", "channels": ["in_app", "webhook"]}]}

    refused = api.as_user(premium_user).put("/api/v1/alerts/preferences", body, format="json")
    accepted = api.as_user(pro_user).put("/api/v1/alerts/preferences", body, format="json")

    assert (
        refused.status_code == 403 and refused.json()["error"] == "plan_required" and "Pro" in refused.json()["message"]
    )
    assert not AlertPreference.objects.filter(user=premium_user).exists()
    assert accepted.status_code == 200
    assert AlertPreference.objects.get(user=pro_user).channels == ["in_app", "webhook"]


def test_the_page_lists_the_alerts_and_the_nav_shows_the_unread_count(
    client, free_user, django_capture_on_commit_callbacks
):
    mine = alerts_for(free_user, 2)
    client.force_login(free_user)

    page = client.get("/alerts/").content.decode()
    assert mine[0].event.payload["horse"] in page and "data-alerts-badge" in page
    assert 'class="badge"' in page and ">2</span>" in page

    with django_capture_on_commit_callbacks(execute=True):  # the cached count is forgotten once committed
        client.post(f"/alerts/{mine[0].pk}/read/")
    assert ">1</span>" in client.get("/alerts/").content.decode()  # the badge forgot its count
    unread = client.get("/alerts/?unread=true").content.decode()
    assert mine[1].event.payload["horse"] in unread and mine[0].event.payload["horse"] not in unread

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/alerts/read/")
    assert 'class="badge"' not in client.get("/alerts/").content.decode()


def test_the_preferences_form_saves_through_the_apis_rules(client, free_user):
    client.force_login(free_user)

    client.post("/alerts/preferences/", {"race.result-channels": ["in_app", "email"], "odds.moved-percent": "15"})
    saved = {row.event_type: row for row in AlertPreference.objects.filter(user=free_user)}
    assert saved["race.result"].channels == ["in_app", "email"]
    assert str(saved["odds.moved"].odds_move_percent) == "15.0" and saved["odds.moved"].channels == []

    response = client.post("/alerts/preferences/", {"race.result-channels": ["webhook"]}, follow=True)
    assert "webhooks" in response.content.decode().lower()
    assert AlertPreference.objects.get(user=free_user, event_type="race.result").channels == ["in_app", "email"]
