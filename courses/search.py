"""Finding horses, people, racecourses and races by name: accent- and case-insensitive, best match first.

One normalised form of a name, ``turf_unaccent(lower(name))``, is compared with the normalised query. On PostgreSQL
``turf_unaccent`` is an immutable wrapper of the ``unaccent`` extension (migration 0006, which also builds a
trigram GIN index on that expression for each searched table), a name matches when it contains the query or when
one of its words is near it (``pg_trgm``'s word similarity: "Chery" finds "Chéri"), and matches are ranked by that
similarity. Elsewhere (SQLite) ``turf_unaccent`` is ``search_normalise`` registered on each connection: a name
matches when it contains the query, and the candidates, at most ``CANDIDATES`` per kind, are ranked in Python by
``search_score``. A query of two characters, on either, matches the names with a word that begins with it (on
PostgreSQL the trigram index serves a word's start, not two letters inside a word).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Func, Max, Q, QuerySet, Value
from django.db.models.functions import Length, Lower

from .models import Horse, Jockey, Race, Racecourse, Runner, Trainer, race_code
from .selectors import RaceAddressError, race_get

MIN_QUERY = 2  # characters: one letter matches half the horses of France
TRIGRAM = 3  # characters: a shorter query is matched at the start of a word only
WORD_SEPARATORS = (" ", "-", "'")  # what begins a word inside a normalised name ("jean-pierre", "d'or")
MAX_QUERY = 100
CANDIDATES = 50  # the best matches of each kind kept before the merge (the list a search answers is bounded)
SQLITE_SCAN = 500  # SQLite: the names containing the query read per kind before ranking them in Python

KINDS = ("horse", "jockey", "trainer", "racecourse", "race")

# What NFKD leaves whole and unaccent spells out: the ligatures and the sharp s of French and German names.
_SPELLED_OUT = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o"})


def search_normalise(text: str | None) -> str:
    """``text`` lower-cased, its accents and ligatures removed, its spaces collapsed: "  Chéri  d'Œuvre" →
    "cheri d'oeuvre" (the form names are matched in, as PostgreSQL's ``unaccent(lower())`` writes it)."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def search_score(query: str, name: str) -> float:
    """How well the normalised ``name`` matches the normalised ``query``, 0 to 1: the whole name, then a name whose
    first words are the query ("cheri du bois" for "cheri"), then one that begins with it ("cherie amour"), then a
    later word that is it, then a word that begins with it, then anywhere; within each, by closeness (difflib's
    ratio)."""
    if not query or not name:
        return 0.0
    closeness = difflib.SequenceMatcher(None, query, name).ratio()
    words = "".join(" " if character in WORD_SEPARATORS else character for character in name).split()
    if name == query:
        return 1.0
    if name.startswith(query) and name[len(query)] in WORD_SEPARATORS:
        return 0.9 + 0.09 * closeness
    if name.startswith(query):
        return 0.75 + 0.14 * closeness
    if query in words:
        return 0.6 + 0.14 * closeness
    if any(word.startswith(query) for word in words):
        return 0.5 + 0.09 * closeness
    if query in name:
        return 0.25 + 0.2 * closeness
    return 0.2 * closeness


class Normalised(Func):
    """``turf_unaccent(lower(expression))``: a name as the search compares it (and as the GIN indexes hold it)."""

    function = "turf_unaccent"
    output_field = CharField()

    def __init__(self, expression, **extra):
        super().__init__(Lower(expression), **extra)


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """``connection_created``: give SQLite the ``turf_unaccent`` PostgreSQL gets from migration 0006."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("turf_unaccent", 1, search_normalise, deterministic=True)


@dataclass
class Match:
    kind: str
    score: float
    item: dict


def _ranked(queryset: QuerySet, query: str, order: tuple[str, ...] = ("name", "pk")) -> list:
    """The rows of ``queryset`` whose name matches ``query`` (normalised), best first (then in ``order``), at most
    CANDIDATES, each with ``search_score``."""
    queryset = queryset.annotate(search_name=Normalised("name"))
    if len(query) < TRIGRAM:
        # Too short to be looked for inside words (a trigram index has nothing to serve "ch" within "Bichette" with,
        # and half the names hold it): the names with a word that begins with it, served by the trigram " ch" of a
        # word's start; those that begin with it first, then the shortest (what ``search_score`` ranks first).
        word_start = Q(search_name__startswith=query) | Q(
            *(Q(search_name__contains=f"{separator}{query}") for separator in WORD_SEPARATORS), _connector=Q.OR
        )
        rows = list(
            queryset.filter(word_start)
            .annotate(begins=ExpressionWrapper(Q(search_name__startswith=query), output_field=BooleanField()))
            .order_by("-begins", Length("search_name"), *order)[:CANDIDATES]
        )
        for row in rows:
            row.search_score = search_score(query, row.search_name)
        rows.sort(key=lambda row: -row.search_score)
        return rows
    if connection.vendor == "postgresql":
        # Contains (LIKE, which the trigram index serves) or a word near it (%>, served by the same index).
        matches = Q(search_name__contains=query) | TrigramWordSimilar(F("search_name"), Value(query))
        rows = list(
            queryset.filter(matches)
            .annotate(search_score=TrigramWordSimilarity(Value(query), F("search_name")))
            .order_by("-search_score", *order)[:CANDIDATES]
        )
        for row in rows:
            # The contained query ranks as the exact word it is, whatever the rest of the name.
            row.search_score = max(float(row.search_score), search_score(query, row.search_name))
        rows.sort(key=lambda row: -row.search_score)
        return rows
    rows = list(queryset.filter(search_name__contains=query).order_by(*order)[:SQLITE_SCAN])
    for row in rows:
        row.search_score = search_score(query, row.search_name)
    rows.sort(key=lambda row: -row.search_score)  # stable: ties keep ``order``
    return rows[:CANDIDATES]


def _race_item(race: Race, score: float) -> Match:
    return Match(
        "race",
        score,
        {
            "type": "race",
            "id": race.pk,
            "name": race.name or race_code(race.meeting.number, race.number),
            "date": race.meeting.date,
            "code": race_code(race.meeting.number, race.number),
            "racecourse": race.meeting.racecourse.name,
        },
    )


def search(*, q: str, day: dt.date, kinds: tuple[str, ...] = KINDS) -> list[dict]:
    """Horses, jockeys, trainers, racecourses and races whose name matches ``q`` (accents and case aside), best
    first; a race also by its address on ``day`` (``R1C3``). Items ``{type, id, name, ...}``: a horse's birth
    year, sex and last run's date, a person's role, a racecourse's country, a race's date, code and racecourse."""
    query = search_normalise(q)
    found: list[Match] = []
    if "race" in kinds:
        with contextlib.suppress(RaceAddressError, Race.DoesNotExist):  # not an address, or no such race today
            found.append(_race_item(race_get(day=day, code=q.strip()), 1.0))
    if "horse" in kinds:
        horses = _ranked(Horse.objects.all(), query)
        # The last runs of the kept horses only (an aggregate over every match would cost more than the match).
        last_runs = dict(
            Runner.objects.filter(horse__in=[horse.pk for horse in horses])
            .values("horse_id")
            .annotate(last_run=Max("race__meeting__date"))
            .values_list("horse_id", "last_run")
        )
        for horse in horses:
            item = {"type": "horse", "id": horse.pk, "name": horse.name, "birth_year": horse.birth_year}
            item |= {"sex": horse.sex, "last_run": last_runs.get(horse.pk)}
            found.append(Match("horse", horse.search_score, item))
    for kind, model in (("jockey", Jockey), ("trainer", Trainer)):
        if kind in kinds:
            for person in _ranked(model.objects.all(), query):
                item = {"type": kind, "id": person.pk, "name": person.name, "role": kind}
                found.append(Match(kind, person.search_score, item))
    if "racecourse" in kinds:
        for course in _ranked(Racecourse.objects.all(), query):
            item = {"type": "racecourse", "id": course.pk, "name": course.name, "country": course.country}
            found.append(Match("racecourse", course.search_score, item))
    if "race" in kinds:
        races = Race.objects.select_related("meeting", "meeting__racecourse").exclude(name="")
        seen = {match.item["id"] for match in found if match.kind == "race"}
        for race in _ranked(races, query, order=("-meeting__date", "meeting__number", "number")):
            if race.pk not in seen:
                found.append(_race_item(race, race.search_score))
    order = {kind: i for i, kind in enumerate(KINDS)}
    found.sort(key=lambda match: (-round(match.score, 6), order[match.kind]))  # stable: each kind's own order
    return [match.item for match in found]
