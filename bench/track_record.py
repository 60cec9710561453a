"""Verify a year of the public track record: the time ``track_record_verify`` takes over 365 closed days.

    .venv/bin/python bench/track_record.py [--days 365] [--races 8] [--runners 14]

Writes ``--days`` closed days of ``--races`` races of ``--runners`` lines each (canonical lines as the record writes
them, chained as ``track_record_close`` chains them) into a fresh database (``turf_bench_record`` on
``BENCH_DATABASE_URL``'s PostgreSQL server, default ``postgres://postgres@127.0.0.1:5432``; ``--sqlite`` or no
PostgreSQL: a temporary SQLite file), then times the verification. The baseline, measured in the same run: the same
lines' sha256 chain recomputed in memory (no database) — the hashing alone. Prints seconds, lines a second and the
ratio to the baseline (the machine is shared: the ratio is the figure to compare).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench_database import in_bench_database

ROOT = Path(__file__).resolve().parents[1]
PG_DB = "turf_bench_record"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--races", type=int, default=8)
    parser.add_argument("--runners", type=int, default=14)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        in_bench_database(__file__, PG_DB, sqlite=args.sqlite)
    _measure(args)


def _measure(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt
    import json

    from django.db import connection

    from predictions.models import RecordChain, TrackRecordDay, TrackRecordLine
    from predictions.services.track_record import GENESIS, day_hash_of, track_record_verify

    first = dt.date(2025, 1, 1)
    print(f"track record: {connection.vendor}, {args.days} days × {args.races} races × {args.runners} runners")
    started = time.perf_counter()
    previous, all_days = GENESIS, []
    for d in range(args.days):
        day = first + dt.timedelta(days=d)
        lines = [
            json.dumps(
                {
                    "date": day.isoformat(),
                    "race": f"R1C{race}",
                    "saddle": saddle,
                    "win_probability": f"{1 / args.runners:.6f}",
                    "odds": f"{args.runners:.2f}",
                    "model_version": "bench-1",
                },
                sort_keys=True,
                separators=(",", ":"),
            )
            for race in range(1, args.races + 1)
            for saddle in range(1, args.runners + 1)
        ]
        lines_hash, day_hash = day_hash_of(previous, lines)
        record = TrackRecordDay.objects.create(
            chain=RecordChain.REAL,
            day=day,
            races=args.races,
            runners=len(lines),
            lines_hash=lines_hash,
            previous_day_hash=previous,
            day_hash=day_hash,
            closed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        )
        TrackRecordLine.objects.bulk_create(
            TrackRecordLine(day=record, position=i, race_code="R1C1", saddle_number=1, text=line)
            for i, line in enumerate(lines)
        )
        all_days.append(lines)
        previous = day_hash
    total = args.days * args.races * args.runners
    print(f"  written: {total} lines in {time.perf_counter() - started:.1f} s (set-up, not measured)")

    started = time.perf_counter()
    head = GENESIS
    for lines in all_days:
        head = day_hash_of(head, lines)[1]
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    result = track_record_verify(chain=RecordChain.REAL)
    seconds = time.perf_counter() - started
    assert result.ok and result.head == head == previous, result
    print(f"  baseline (the chain hashed in memory): {baseline:.3f} s")
    print(
        f"  track_record_verify: {result.days} days, {total} lines in {seconds:.3f} s ({total / seconds:,.0f} lines/s)"
    )
    print(f"  ratio to the baseline: {seconds / baseline:.1f}×")


if __name__ == "__main__":
    main()
