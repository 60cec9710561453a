"""The watchlist's pages: the list and its search, the stars (POST forms), a horse's and a person's form, the race
card's stars and links."""

import datetime as dt
from decimal import Decimal

import pytest

from alerts.models import WatchlistEntry
from billing.models import Plan
from courses.models import Horse, Jockey, RaceStatus, Runner, Trainer
from courses.tests.factories import make_race
from predictions.tests.factories import live_day, live_race

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_race():
    """A finished race: its winner ridden by a known jockey for a known trainer, with declared earnings."""
    race = make_race(runners=3)
    race.status = RaceStatus.FINISHED
    race.currency = "EUR"
    race.save()
    jockey, trainer = Jockey.objects.create(name="Éric Raffin"), Trainer.objects.create(name="J.-M. Bazire")
    for runner in race.runners.all():
        runner.position = runner.saddle_number
        runner.jockey, runner.trainer = jockey, trainer
        runner.career_earnings = Decimal("125000") if runner.saddle_number == 1 else None
        runner.save()
    return race


def test_a_horses_page_shows_its_form_and_its_star(client, free_user, form_race):
    winner = Runner.objects.get(race=form_race, saddle_number=1)
    later = make_race(date=dt.date(2025, 11, 9), runners=0)
    Runner.objects.create(race=later, horse=winner.horse, saddle_number=4, final_odds=Decimal("3.5"))
    client.force_login(free_user)
    page = client.get(f"/horses/{winner.horse_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert winner.horse.name in html and 'data-summary="runs">1<' in html and 'data-summary="wins">1<' in html
    assert 'data-summary="places">1<' in html and 'data-summary="earnings">125' in html
    assert html.index("R1C1") < html.index("9 Nov 2025") or "9 nov" in html.lower()
    assert f'data-star="horse-{winner.horse_id}"' in html and 'aria-pressed="false"' in html


def test_a_persons_page_sums_every_ride(client, free_user, form_race):
    jockey = Jockey.objects.get()
    client.force_login(free_user)
    html = client.get(f"/people/jockey/{jockey.pk}/").content.decode()
    assert "Éric Raffin" in html and 'data-summary="runs">3<' in html and 'data-summary="places">3<' in html
    assert 'data-summary="earnings"' not in html
    trainer = Trainer.objects.get()
    assert client.get(f"/people/trainer/{trainer.pk}/").status_code == 200
    assert client.get(f"/people/owner/{trainer.pk}/").status_code == 404
    assert client.get("/people/jockey/999999/").status_code == 404
    assert client.get(f"/horses/{2**63}/").status_code == 404


def test_the_star_follows_and_unfollows_and_goes_back(client, free_user, form_race):
    horse = Horse.objects.first()
    client.force_login(free_user)
    back = f"/horses/{horse.pk}/"
    answer = client.post("/watchlist/follow/", {"type": "horse", "id": horse.pk, "next": back})
    assert answer.status_code == 302 and answer["Location"] == back
    assert WatchlistEntry.objects.filter(user=free_user, horse=horse).exists()
    assert 'aria-pressed="true"' in client.get(back).content.decode()
    answer = client.post("/watchlist/unfollow/", {"type": "horse", "id": horse.pk, "next": "https://evil.test/"})
    assert answer.status_code == 302 and answer["Location"] == "/watchlist/"
    assert not WatchlistEntry.objects.filter(user=free_user).exists()


def test_the_star_refuses_nonsense_and_a_full_watchlist(client, free_user, form_race):
    client.force_login(free_user)
    assert client.post("/watchlist/follow/", {"type": "owner", "id": 1}).status_code == 400
    assert client.post("/watchlist/follow/", {"type": "horse", "id": 99999}).status_code == 400
    assert client.get("/watchlist/follow/").status_code == 405
    plan = Plan.objects.get(code="free")
    plan.watchlist_limit = 1
    plan.save()  # as staff edit it in the admin: everyone's snapshot is forgotten
    horses = list(Horse.objects.all()[:2])
    assert client.post("/watchlist/follow/", {"type": "horse", "id": horses[0].pk}).status_code == 302
    full = client.post("/watchlist/follow/", {"type": "horse", "id": horses[1].pk})
    assert full.status_code == 403 and "at most 1 watchlist" in full.content.decode()


def test_the_watchlist_page_lists_entries_and_searches_with_stars(client, free_user, form_race):
    followed = Horse.objects.first()
    WatchlistEntry.objects.create(user=free_user, kind="horse", horse=followed)
    Horse.objects.create(name="Chéri du Bois")
    client.force_login(free_user)
    html = client.get("/watchlist/").content.decode()
    assert f'href="/horses/{followed.pk}/"' in html and 'data-entry="' in html
    html = client.get("/watchlist/", {"q": "cheri"}).content.decode()
    assert "Chéri du Bois" in html and 'data-result="horse-' in html
    html = client.get("/watchlist/", {"q": "c"}).content.decode()
    assert 'role="alert"' in html


def test_the_race_card_has_stars_and_links(client, pro_user):
    race = live_race(final=(6.0, 2.0, 4.0, 10.0))
    runner = race.runners.order_by("saddle_number").first()
    WatchlistEntry.objects.create(user=pro_user, kind="race", race=race)
    client.force_login(pro_user)
    html = client.get(f"/races/R1C1/?date={live_day().isoformat()}").content.decode()
    assert f'href="/horses/{runner.horse_id}/"' in html
    assert f'data-star="race-{race.pk}"' in html and f'data-star="horse-{runner.horse_id}"' in html
    star = html[html.index(f'data-star="race-{race.pk}"') :]
    assert star.index('aria-pressed="true"') < star.index("</form>")
