"""Time ``fetch_pmu --date 2025-11-05`` against a local server replaying PMU's stored responses. By hand:

    .venv/bin/python bench/feed.py [--rps N]

A fresh SQLite file each run. The baseline, measured in the same run: ``import_pmu`` of the same files (the
same parsing and writing, no HTTP and no archive). Then the fetch of the whole day (1 programme, 63 races'
participants and rapports: 127 requests, R1C1's answered, the others 404) on a fresh database, and its re-run
(nothing to change). ``--rps`` is ``PMU_FEED_RPS`` for the fetch (default 0: no politeness delay, to time the
feed itself; PMU's default 2 a second makes a day's 127 requests last a minute whatever the code does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = "05112025"
ROUTES = {
    f"/rest/client/1/programme/{DAY}": "programme_05112025.json",
    f"/rest/client/61/programme/{DAY}/R1/C1/participants": "participants_R1_C1.json",
    f"/rest/client/1/programme/{DAY}/R1/C1/rapports-definitifs": "rapports_R1_C1.json",
}


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s wall {self.cpu:6.2f} s CPU"


def replay_server(folder: Path) -> ThreadingHTTPServer:
    bodies = {path: (folder / name).read_bytes() for path, name in ROUTES.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=0, help="PMU_FEED_RPS for the fetch (0: no limit)")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="turf-bench-feed-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from courses.models import Dividend, FeedResponse, Horse, Jockey, Meeting, Race, Racecourse, Trainer

    data = Path(settings.TURF_DATA_DIR) / "pmu_api_json"
    files = Path(folder) / "files"
    files.mkdir()
    for name in ROUTES.values():
        shutil.copy(data / name, files / name)
    server = replay_server(data)
    settings.PMU_API_URL = f"http://127.0.0.1:{server.server_port}/rest/client"
    settings.PMU_FEED_RPS = args.rps
    call_command("migrate", verbosity=0)

    with Timer() as baseline:
        call_command("import_pmu", str(files), "--no-progress", stdout=StringIO(), stderr=StringIO())
    Race.objects.all().delete()
    for model in (Meeting, Horse, Jockey, Trainer, Racecourse):
        model.objects.all().delete()

    out = StringIO()
    with Timer() as fetch:
        call_command("fetch_pmu", "--date", "2025-11-05", "--no-progress", stdout=out)
    with Timer() as rerun:
        call_command("fetch_pmu", "--date", "2025-11-05", "--no-progress", stdout=StringIO())
    server.shutdown()

    print(f"PMU 2025-11-05 replayed on 127.0.0.1, PMU_FEED_RPS={args.rps or 'no limit'}, SQLite in {folder}")
    print(out.getvalue().strip())
    print(f"races {Race.objects.count()}, rapports {Dividend.objects.count()}, archived {FeedResponse.objects.count()}")
    print(f"import_pmu of the files  {baseline}  (baseline)")
    print(f"fetch_pmu                {fetch}  {fetch.wall / baseline.wall:5.1f}x the baseline")
    print(f"fetch_pmu again (no-op)  {rerun}  {rerun.wall / baseline.wall:5.1f}x the baseline")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
