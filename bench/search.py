"""The search box (``GET /api/v1/search?q=``) over a large stud book: 200,000 horses by default.

    .venv/bin/python bench/search.py [--horses 200000] [--runs 5] [--sqlite]

Fills a fresh database (``turf_bench_search`` on ``BENCH_DATABASE_URL``'s PostgreSQL server, default
``postgres://postgres@127.0.0.1:5432``; ``--sqlite`` or no PostgreSQL: a temporary SQLite file) with ``--horses``
horses whose names are drawn, seeded, from French-sounding syllables (accents included) and connecting words ("du",
"de la", "d'or"), then times ``courses.search.search`` for queries of 2, 3, 5 and 7+ characters, typed without
their accents. The baseline, measured in the same run: reading 50 horses by primary key, the least any search that
answers 50 horses reads. Prints milliseconds (best of ``--runs``), the number of items answered and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from bench_database import in_bench_database

ROOT = Path(__file__).resolve().parents[1]
PG_DB = "turf_bench_search"
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "ca",
    "ce",
    "chè",
    "cha",
    "da",
    "dé",
    "di",
    "do",
    "fa",
    "fé",
    "ga",
    "gé",
    "la",
    "lé",
    "li",
    "lo",
    "ma",
    "mé",
    "mi",
    "mo",
    "na",
    "né",
    "ni",
    "pa",
    "pé",
    "ra",
    "ré",
    "ri",
    "ro",
    "sa",
    "sé",
    "ta",
    "té",
    "to",
    "va",
    "vé",
    "vi",
    "zé",
    "quin",
    "rou",
    "lou",
    "jou",
    "tin",
    "ton",
    "lan",
    "ber",
]
LINKS = ("du", "de la", "le", "des", "royal", "star", "d'or", "joli", "petit", "grand")
QUERIES = ("ch", "lou", "chera", "cherami", "rouvi ton")


def name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    parts = [word()]
    if rng.random() < 0.5:
        parts.append(rng.choice(LINKS))
    if rng.random() < 0.6:
        parts.append(word())
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horses", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        in_bench_database(__file__, PG_DB, sqlite=args.sqlite, env={"REDIS_URL": None})
    _measure(args)


def _best(function, runs: int) -> tuple[float, object]:
    result, times = None, []
    for _ in range(runs):
        clock = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - clock)
    return min(times), result


def _measure(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from courses.models import Horse
    from courses.search import search

    rng = random.Random(7)
    started = time.perf_counter()
    Horse.objects.bulk_create(
        [Horse(source="bench", source_id=str(i), name=name(rng)) for i in range(args.horses)], batch_size=5000
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE courses_horse")
    print(f"search: {connection.vendor}, {args.horses} horses, best of {args.runs}")
    print(f"setup (not timed): {time.perf_counter() - started:.1f} s")
    ids = list(Horse.objects.order_by("?").values_list("pk", flat=True)[:50])
    base, _ = _best(lambda: list(Horse.objects.filter(pk__in=ids)), args.runs)
    print(f"baseline: 50 horses read by primary key: {base * 1000:.1f} ms")
    day = timezone.localdate()
    for query in QUERIES:
        search(q=query, day=day)  # the plan cached, the pages warm
        elapsed, items = _best(lambda query=query: search(q=query, day=day), args.runs)
        print(f"q={query!r} ({len(query)} chars): {elapsed * 1000:.1f} ms, {len(items)} items, {elapsed / base:.0f}x")


if __name__ == "__main__":
    main()
