"""The name search: accents and case aside, best match first, on PostgreSQL (the suite's database) and on the
portable fallback (its functions tested directly, and over a SQLite connection)."""

import datetime as dt
import sqlite3

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import Horse, Jockey, Racecourse, Trainer
from courses.search import search, search_normalise, search_score, sqlite_functions_register
from courses.tests.factories import make_race

pytestmark = pytest.mark.django_db


@pytest.fixture
def names():
    return {
        "cheri": Horse.objects.create(name="Chéri du Bois", birth_year=2019, sex="male"),
        "cherie": Horse.objects.create(name="Cherie Amour"),
        "other": Horse.objects.create(name="Bold Eagle"),
        "jockey": Jockey.objects.create(name="Éric Raffin"),
        "trainer": Trainer.objects.create(name="Jean-Michel Bazire"),
        "course": Racecourse.objects.create(code="CHA", name="Chantilly", country="FRA"),
    }


def test_it_finds_an_accented_name_without_its_accents(names):
    found = search(q="cheri", day=dt.date(2025, 11, 5))
    assert [(item["type"], item["id"]) for item in found[:2]] == [
        ("horse", names["cheri"].pk),
        ("horse", names["cherie"].pk),
    ]
    assert found[0] == {
        "type": "horse",
        "id": names["cheri"].pk,
        "name": "Chéri du Bois",
        "birth_year": 2019,
        "sex": "male",
        "last_run": None,
    }
    assert names["other"].pk not in [item["id"] for item in found]


def test_case_and_accents_in_the_query_do_not_matter(names):
    assert search(q="ÉRIC", day=dt.date(2025, 11, 5))[0] == {
        "type": "jockey",
        "id": names["jockey"].pk,
        "name": "Éric Raffin",
        "role": "jockey",
    }
    assert search(q="bazire", day=dt.date(2025, 11, 5))[0]["role"] == "trainer"
    assert search(q="chantílly", day=dt.date(2025, 11, 5))[0]["country"] == "FRA"


def test_a_near_spelling_is_found_on_postgresql(names):
    if connection.vendor != "postgresql":
        pytest.skip("trigram word similarity is PostgreSQL's (pg_trgm); SQLite matches what the name contains")
    assert names["cheri"].pk in [item["id"] for item in search(q="Chery du bois", day=dt.date(2025, 11, 5))]


def test_a_race_is_found_by_its_name_or_todays_address():
    today = timezone.localdate()
    race = make_race(date=today, reunion=2, course=3)
    race.name = "Prix d'Amérique"
    race.save()
    by_code = search(q="R2C3", day=today)
    assert by_code[0] == {
        "type": "race",
        "id": race.pk,
        "name": "Prix d'Amérique",
        "date": today,
        "code": "R2C3",
        "racecourse": "Course VIN",
    }
    assert search(q="amerique", day=today, kinds=("race",))[0]["id"] == race.pk
    horse = race.runners.first().horse
    found = search(q=horse.name, day=today, kinds=("horse",))
    assert found[0]["id"] == horse.pk and found[0]["last_run"] == today


def test_the_fallback_normalises_as_unaccent_does():
    assert search_normalise("  Chéri  d'Œuvre ") == "cheri d'oeuvre"
    assert search_normalise("ÉLÉGANCE Straße") == "elegance strasse"
    assert search_normalise(None) == ""


def test_the_fallback_ranks_the_whole_name_then_its_beginning_then_a_word_then_anywhere():
    names = ("cheri", "cheri du bois", "cherie amour", "mon cheri", "mon cherie", "acheri", "bold")
    scores = [search_score("cheri", name) for name in names]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(names)
    assert search_score("", "cheri") == 0.0


def test_the_fallback_function_serves_sqlite():
    class Wrapper:
        vendor = "sqlite"
        connection = sqlite3.connect(":memory:")

    sqlite_functions_register(sender=None, connection=Wrapper)
    db = Wrapper.connection
    db.execute("CREATE TABLE horse (name TEXT)")
    db.executemany("INSERT INTO horse VALUES (?)", [("Chéri du Bois",), ("Bold Eagle",), ("CHERIE",)])
    rows = db.execute(
        "SELECT name FROM horse WHERE turf_unaccent(lower(name)) LIKE '%' || turf_unaccent(?) || '%' ORDER BY name",
        ("Chéri",),
    ).fetchall()
    assert rows == [("CHERIE",), ("Chéri du Bois",)]


def test_the_api_searches_with_a_logged_in_plan(api, free_user, names):
    answer = api.as_user(free_user).get("/api/v1/search", {"q": "Cheri"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"][0]["name"] == "Chéri du Bois" and body["q"] == "Cheri"
    assert body["pagination"]["total"] == len(body["data"])
    only = api.get("/api/v1/search", {"q": "Cheri", "type": "racecourse"}).json()
    assert only["data"] == []


@pytest.mark.parametrize("query", [{"q": "c"}, {}, {"q": "ch", "type": "owner"}, {"q": "a" * 101}])
def test_the_api_refuses_a_short_or_missing_query(api, free_user, query):
    answer = api.as_user(free_user).get("/api/v1/search", query)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_parameter"


def test_two_characters_find_the_names_with_a_word_that_begins_with_them(names):
    Horse.objects.create(name="Bichette")  # "ch" inside a word: too short a query to look there
    Horse.objects.create(name="Roi de Chambord")
    found = [item["name"] for item in search(q="CH", day=dt.date(2025, 11, 5), kinds=("horse", "racecourse"))]
    # Those that begin with it first, the shortest first (the closest to the query), then a later word.
    assert found == ["Chantilly", "Cherie Amour", "Chéri du Bois", "Roi de Chambord"]
    assert [item["name"] for item in search(q="mi", day=dt.date(2025, 11, 5), kinds=("trainer",))] == [
        "Jean-Michel Bazire"  # after a hyphen
    ]
