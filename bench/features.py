"""Build the features of ~1,000,000 generated runners: time and peak memory, at 1/4, 1/2 and all of them.

    .venv/bin/python bench/features.py [--runners 1000000] [--seed 42] [--fresh]

The runners come from the demo generator (``courses.demo``), run from 1980 forward until it has
written ``--runners`` runners, through the importers' writer into an SQLite file in /tmp. That
file is kept and reused by the next run with the same ``--runners`` and ``--seed`` (writing 1M
runners takes minutes and is not what is measured); ``--fresh`` writes it again.

Each measurement runs in its own process, so that its peak resident memory (``ru_maxrss``) is
its own:

- ``features``: ``feature_frame`` over all the rows at once (what training and the evaluation run);
- ``chunked``: ``feature_frame(chunk_days=CHUNK_DAYS)``, built a block of days at a time (each
  block loads its own history) and concatenated — the same frame;
- ``streamed``: the blocks of ``feature_frames`` taken one at a time and dropped, as a consumer
  that writes each block away would: memory bounded by a block, not by the total;
- the baseline, measured in the same run on the same days: the bare fetch of the columns the
  features read, streamed through the ORM and dropped (``values_list(...).iterator()``) — the
  cost of getting the rows out of the database and nothing else.

Times are printed as multiples of the baseline (wall and CPU: the machine may be shared);
memory as the peak above the process's own after start-up (Django, numpy and pandas imported),
in total and per runner, beside the size of the result's arrays, and its growth from 1/4 to 1/2
to all of the runners (2.00× a step is linear).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = dt.date(1980, 1, 1)  # the features' day numbers start at 1970; the demo's density needs ~43 years per 1M
MODES = ("fetch", "features", "chunked", "streamed")


def _setup(db: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _generate(runners: int, seed: int) -> None:
    """Write demo days from EPOCH until ``runners`` runners are in (whole days)."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from courses.demo import DemoGenerator
    from courses.importers.run import import_races
    from courses.models import Source

    def days():
        written, day = 0, None
        # "today" far ahead: every generated race is published, finished with its result.
        for race in DemoGenerator(seed=seed, start=EPOCH, today=dt.date(2999, 1, 1)).races():
            if written >= runners and race.payload.date != day:
                return
            day = race.payload.date
            written += len(race.payload.runners)
            yield race.payload

    call_command("migrate", verbosity=0)
    with override_settings(DEBUG=False):
        import_races(source=Source.DEMO, items=days(), total=None, progress=True, description="demo runners")


def _cut_dates(sizes: list[int]) -> list[tuple[int, dt.date]]:
    """For each size, the first race day by which that many runners have been written."""
    from django.db.models import Count

    from courses.models import Runner

    per_day = Runner.objects.values_list("race__meeting__date").annotate(n=Count("id")).order_by("race__meeting__date")
    cuts, total, wanted = [], 0, list(sizes)
    for day, n in per_day:
        total += n
        while wanted and total >= wanted[0]:
            cuts.append((wanted.pop(0), day))
    last = per_day.last()
    cuts += [(size, last[0]) for size in wanted]  # fewer runners than asked: all of them
    return cuts


def _child(mode: str, end: dt.date) -> dict:
    from django.db.models import Q

    from predictions.services import features as F
    from predictions.services.feature_rows import feature_rows_query

    start_peak = _peak_bytes()
    clock, cpu = time.perf_counter(), time.process_time()
    window = Q(race__meeting__date__lte=end)
    result_bytes = 0
    if mode == "fetch":
        _names, rows = feature_rows_query(window)
        count = sum(1 for _ in rows.iterator(chunk_size=2000))
    elif mode == "streamed":
        count = 0
        for part in F.feature_frames(end=end, chunk_days=F.CHUNK_DAYS):
            count += len(part)
            result_bytes = max(result_bytes, int(part.data.memory_usage(deep=False).sum()))
    else:
        frame = F.feature_frame(end=end, chunk_days=F.CHUNK_DAYS if mode == "chunked" else None)
        count, result_bytes = len(frame), int(frame.data.memory_usage(deep=False).sum())
    return {
        "rows": count,
        "wall": time.perf_counter() - clock,
        "cpu": time.process_time() - cpu,
        "start": start_peak,
        "peak": _peak_bytes(),
        "result": result_bytes,
    }


def _measure(db: Path, mode: str, end: dt.date) -> dict:
    command = [sys.executable, __file__, "--db", str(db), "--child", mode, "--end", end.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{mode} up to {end} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fresh", action="store_true", help="write the database again even if it is there")
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=("generate", *MODES), help=argparse.SUPPRESS)
    parser.add_argument("--end", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _setup(args.db)
        if args.child == "generate":
            _generate(args.runners, args.seed)
        else:
            print(json.dumps(_child(args.child, args.end)))
        return

    db = Path(f"/tmp/turf-bench-features-{args.runners}-seed{args.seed}.sqlite3")
    if args.fresh:
        db.unlink(missing_ok=True)
    generated = None
    if not db.exists():
        # Written under another name and renamed once complete: an interrupted run leaves no half database.
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        clock = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--db",
                str(partial),
                "--child",
                "generate",
                "--runners",
                str(args.runners),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        partial.rename(db)
        generated = time.perf_counter() - clock
    _setup(db)

    sizes = [args.runners // 4, args.runners // 2, args.runners]
    cuts = _cut_dates(sizes)
    print(
        f"database {db} ({db.stat().st_size / 1e6:.0f} MB, "
        f"{'reused' if generated is None else f'written in {generated:.0f} s'}); demo seed {args.seed} from {EPOCH}; "
        f"{os.cpu_count()} CPUs"
    )
    results = []
    for size, end in cuts:
        row = {mode: _measure(db, mode, end) for mode in MODES}
        results.append((size, end, row))
        fetch = row["fetch"]
        print(f"\n{fetch['rows']:>9,} runners (target {size:,}, races up to {end})")
        print(
            f"  {'fetch (baseline)':<18} {fetch['wall']:7.1f} s wall {fetch['cpu']:7.1f} s CPU   "
            f"peak +{(fetch['peak'] - fetch['start']) / 2**20:6.0f} MB"
        )
        for mode in MODES[1:]:
            r = row[mode]
            extra = r["peak"] - r["start"]
            print(
                f"  {mode:<18} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU   peak +{extra / 2**20:6.0f} MB "
                f"({extra / fetch['rows']:5.0f} B/runner; arrays of the result {r['result'] / 2**20:4.0f} MB)   "
                f"{r['wall'] / fetch['wall']:5.1f}× the baseline's wall, {r['cpu'] / fetch['cpu']:5.1f}× its CPU"
            )

    print("\nmemory growth (peak above start-up):")
    for mode in MODES[1:]:
        peaks = [row[mode]["peak"] - row[mode]["start"] for _, _, row in results]
        steps = "  ".join(f"{b / a:4.2f}×" for a, b in itertools.pairwise(peaks))
        print(f"  {mode:<10} 1/4 → 1/2 → all: {steps}   (2.00× each step is linear)")


if __name__ == "__main__":
    main()
