"""Time ``load_demo`` for the default range on a fresh SQLite database. Run by hand, not by pytest:

    .venv/bin/python bench/demo.py [--today YYYY-MM-DD] [--seed N]

The baseline is measured in the same run: the generator alone (simulating and building every
payload, writing nothing). The load's time is printed as a multiple of it, so a slower writer
and a slower machine can be told apart. CPU seconds are printed beside wall seconds because the
machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:6.1f} s wall {self.cpu:6.1f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="default: today in Europe/Paris")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="turf-bench-")
    os.environ.pop("DATABASE_URL", None)  # always SQLite: that is what a first `make run` uses
    os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from courses.demo import DEFAULT_START, DemoGenerator

    today = args.today or timezone.localdate()
    print(f"demo {DEFAULT_START} .. {today + dt.timedelta(days=1)}, seed {args.seed}, SQLite in {folder}")

    races = runners = 0
    with Timer() as generate:
        for race in DemoGenerator(seed=args.seed, start=DEFAULT_START, today=today).races():
            races += 1
            runners += len(race.payload.runners)
    with Timer() as migrate:
        call_command("migrate", verbosity=0)
    out = StringIO()
    command = ["load_demo", "--no-progress", "--seed", str(args.seed), "--today", today.isoformat()]
    with Timer() as load:
        call_command(*command, stdout=out)
    with Timer() as rerun:
        call_command(*command, stdout=StringIO())

    print(f"races {races}, runners {runners}")
    print(f"generator alone  {generate}  {runners / generate.wall:8.0f} runners/s  (baseline)")
    print(f"migrate          {migrate}")
    print(
        f"load_demo        {load}  {runners / load.wall:8.0f} runners/s  {load.wall / generate.wall:4.1f}x the baseline"
    )
    print(f"re-run (no-op)   {rerun}  {rerun.wall / generate.wall:4.1f}x the baseline")
    print(out.getvalue().strip().splitlines()[-1])
    verdict = "OK" if load.wall < 60 else "TOO SLOW"
    print(f"{verdict}: the first load must take under a minute")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
