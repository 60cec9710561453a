"""The watchlist's API: follow (within the plan's limit, from the Plan rows), list, unfollow; another user's entry
answers 404."""

import pytest

from alerts.models import WatchlistEntry
from billing.models import Plan
from courses.models import Horse, Jockey, Racecourse, Trainer
from courses.tests.factories import make_race

pytestmark = pytest.mark.django_db


@pytest.fixture
def horses():
    return [Horse.objects.create(name=f"Horse {i}") for i in range(8)]


def _follow(api, user, kind, target_id):
    return api.as_user(user).post("/api/v1/watchlist", {"type": kind, "id": target_id}, format="json")


def test_it_follows_each_kind_and_lists_them_newest_first(api, free_user):
    race = make_race(runners=1)
    targets = {
        "horse": race.runners.get().horse,
        "jockey": Jockey.objects.create(name="Éric Raffin"),
        "trainer": Trainer.objects.create(name="J.-M. Bazire"),
        "racecourse": Racecourse.objects.get(code="VIN"),
        "race": race,
    }
    for kind, target in targets.items():
        answer = _follow(api, free_user, kind, target.pk)
        assert answer.status_code == 201, answer.json()
        assert answer.json()["type"] == kind and answer.json()["target"]["id"] == target.pk
    body = api.as_user(free_user).get("/api/v1/watchlist").json()
    assert [row["type"] for row in body["data"]] == ["race", "racecourse", "trainer", "jockey", "horse"]
    assert body["pagination"]["total"] == 5
    assert body["data"][0]["target"] == {
        "id": race.pk,
        "name": "Prix 1-1",
        "date": "2025-11-05",
        "code": "R1C1",
        "racecourse": "Course VIN",
    }
    assert body["data"][1]["target"] == {"id": targets["racecourse"].pk, "name": "Course VIN", "country": ""}


def test_following_twice_answers_the_existing_entry(api, free_user, horses):
    first = _follow(api, free_user, "horse", horses[0].pk)
    again = _follow(api, free_user, "horse", horses[0].pk)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert WatchlistEntry.objects.filter(user=free_user).count() == 1


@pytest.mark.parametrize("plan", ["free", "premium"])
def test_the_plans_limit_comes_from_its_row_and_names_the_plan_that_keeps_more(api, django_user_model, horses, plan):
    from conftest import _user

    Plan.objects.filter(code=plan).update(watchlist_limit=3)
    user = _user(django_user_model, f"{plan}-limit@turf.test", plan)
    for horse in horses[:3]:
        assert _follow(api, user, "horse", horse.pk).status_code == 201
    refused = _follow(api, user, "horse", horses[3].pk)
    assert refused.status_code == 403
    body = refused.json()
    assert body["error"] == "plan_required"
    name = Plan.objects.get(code=plan).name
    above = Plan.objects.filter(watchlist_limit__gt=3).order_by("rank").first()
    assert f"Your {name} plan keeps at most 3 watchlist entries" in body["message"]
    assert f"the {above.name} plan keeps {above.watchlist_limit}" in body["message"]
    assert WatchlistEntry.objects.filter(user=user).count() == 3
    # A target followed already is no new entry: a full watchlist still answers it.
    assert _follow(api, user, "horse", horses[0].pk).status_code == 200


def test_the_seeded_limits_are_five_fifty_and_five_hundred():
    assert dict(Plan.objects.values_list("code", "watchlist_limit")) == {"free": 5, "premium": 50, "pro": 500}


def test_the_top_plan_is_told_to_unfollow(api, pro_user, horses):
    plan = Plan.objects.get(code="pro")
    plan.watchlist_limit = 1
    plan.save()  # as staff edit it in the admin, the user's cached plan forgotten
    assert _follow(api, pro_user, "horse", horses[0].pk).status_code == 201
    refused = _follow(api, pro_user, "horse", horses[1].pk)
    assert refused.status_code == 403 and refused.json()["message"].endswith("unfollow one first.")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "horse", "id": 999_999}, "id"),
        ({"type": "owner", "id": 1}, "type"),
        ({"type": "horse"}, "id"),
        ({"type": "horse", "id": "1"}, "id"),
        ({"type": "horse", "id": 0}, "id"),
        ({"type": "horse", "id": 1, "note": "x"}, "note"),
    ],
)
def test_it_refuses_a_wrong_body_naming_the_field(api, free_user, body, field):
    answer = api.as_user(free_user).post("/api/v1/watchlist", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_parameter" and field in answer.json()["message"]


def test_no_such_target_names_it(api, free_user):
    answer = _follow(api, free_user, "jockey", 424242)
    assert answer.status_code == 400 and "No jockey has the id 424242" in answer.json()["message"]


def test_unfollow_deletes_ones_own_entry_and_another_users_answers_404(api, free_user, other_user, horses):
    mine = _follow(api, free_user, "horse", horses[0].pk).json()["id"]
    theirs = _follow(api, other_user, "horse", horses[0].pk).json()["id"]
    assert api.as_user(free_user).delete(f"/api/v1/watchlist/{theirs}").status_code == 404
    assert WatchlistEntry.objects.filter(pk=theirs).exists()
    assert api.as_user(free_user).delete(f"/api/v1/watchlist/{mine}").status_code == 204
    assert api.as_user(free_user).delete(f"/api/v1/watchlist/{mine}").status_code == 404
    assert api.as_user(free_user).delete("/api/v1/watchlist/x1").status_code == 400
    assert [row["id"] for row in api.as_user(other_user).get("/api/v1/watchlist").json()["data"]] == [theirs]


def test_anonymous_is_refused(api):
    assert api.as_user(None).get("/api/v1/watchlist").status_code == 401
