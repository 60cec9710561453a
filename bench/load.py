"""Load: Turf served as in production (gunicorn, DEBUG off, PostgreSQL and Redis when they answer) on loopback,
driven by subscribers of every plan for a bounded time. Run by hand, not by pytest:

    .venv/bin/python bench/load.py [--seconds 10] [--clients 8] [--sqlite]

The baseline, measured in the same run through the same gunicorn, middleware and settings: the framework's
floor, a bare Django view answering a fixed JSON document (``bench/load_site``). Each scenario prints requests a
second, p50 / p95 / p99 latency, errors (anything but 2xx, 429 counted apart) and its throughput as a ratio
of the floor's. The machine is shared and small: the ratios are the figures to compare, not the absolute ones.

Set-up (printed as it goes): a fresh database (a new PostgreSQL database ``turf_bench_load`` on
``BENCH_DATABASE_URL``'s server, default ``postgres://postgres@127.0.0.1:5432``; ``--sqlite`` or no PostgreSQL: a
temporary SQLite file), the demo programme, a trained model and today's predictions (``load_demo``,
``warm_up``), a free, a premium and a pro subscriber. The plans' request limits are raised for the run (a
throughput measure, not a limits test: the limits' own tests are in billing); the mix still sends a free user
to a premium endpoint, whose 403 is counted as intended.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_DB = "turf_bench_load"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")

USERS_SCRIPT = """
import datetime as dt, json
from django.utils import timezone
from accounts.models import User
from accounts.services import tokens_issue
from billing.models import Plan
from billing.services import subscription_plan_set
from courses.models import Race, race_code

Plan.objects.update(requests_per_minute=10_000_000, requests_per_day=100_000_000, daily_quotas={})
tokens = {}
for code in ("free", "premium", "pro"):
    user = User.objects.create_user(email=f"load-{code}@turf.test", password=None)
    subscription_plan_set(user=user, plan=Plan.objects.get(code=code))
    tokens[code] = tokens_issue(user=user)["access_token"]
today = timezone.localdate()
race = Race.objects.filter(meeting__date=today).order_by("meeting__number", "number").first()
code = race_code(race.meeting.number, race.number) if race else None
print(json.dumps({"tokens": tokens, "race": code, "day": today.isoformat()}))
"""


def run(cmd: list[str], env: dict, label: str) -> str:
    started = time.perf_counter()
    print(f"  {label} ...", end="", flush=True)
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(f" failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        raise SystemExit(1)
    print(f" {time.perf_counter() - started:5.1f} s")
    return done.stdout


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(use_pg: bool, use_redis: bool, folder: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.load_site.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"),
        TURF_FEED="off",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if use_pg:
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    else:
        env["SQLITE_PATH"] = str(Path(folder) / "load.sqlite3")
    if use_redis:
        env["REDIS_URL"] = REDIS
    return env


def prepare(env: dict, use_pg: bool) -> dict:
    if use_pg:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    manage = [PY, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v", "0"], env, "migrate")
    run([*manage, "load_demo", "--no-progress"], env, "load_demo (the synthetic programme)")
    run([*manage, "warm_up", "--no-progress"], env, "warm_up (train, score today)")
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    out = run([*manage, "shell", "-c", USERS_SCRIPT], env, "subscribers")
    return json.loads(out.strip().splitlines()[-1])


def serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [PY, "-m", "gunicorn", "--config", "python:turf.gunicorn_conf", "--access-logfile", "/dev/null"]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if reachable("127.0.0.1", port):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/bench/floor")
                if conn.getresponse().status == 200:
                    return server
            except OSError:
                pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log}")


def _client(port: int, requests: list[tuple[str, dict]], until: float, results) -> None:
    """One closed-loop client on one keep-alive connection: (status, seconds) of each request it sent."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    out = []
    while time.perf_counter() < until:
        path, headers = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        out.append((status, time.perf_counter() - started))
    results.put(out)


def _process(port: int, requests, threads: int, until: float, queue) -> None:
    import queue as queue_module

    local: queue_module.Queue = queue_module.Queue()
    workers = [threading.Thread(target=_client, args=(port, requests, until, local)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    merged = []
    while not local.empty():
        merged.extend(local.get())
    queue.put(merged)


def drive(port: int, requests: list[tuple[str, dict]], seconds: float, clients: int) -> dict:
    processes = max(1, min(clients, 2))
    threads = max(1, clients // processes)
    queue: multiprocessing.Queue = multiprocessing.Queue()
    until = time.perf_counter() + seconds  # perf_counter is system-wide on Linux (CLOCK_MONOTONIC)
    workers = [
        multiprocessing.Process(target=_process, args=(port, requests, threads, until, queue)) for _ in range(processes)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    samples = []
    for _ in workers:
        samples.extend(queue.get())
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(seconds for _, seconds in samples)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    statuses = [status for status, _ in samples]
    return {
        "requests": len(samples),
        "rps": len(samples) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "throttled": statuses.count(429),
        "refused": statuses.count(403),
        "errors": sum(1 for s in statuses if not (200 <= s < 300) and s not in (429, 403)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds each scenario runs (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients (default 8)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when PostgreSQL answers")
    args = parser.parse_args()

    use_pg = not args.sqlite and reachable("127.0.0.1", 5432)
    use_redis = reachable("127.0.0.1", 6379)
    folder = tempfile.mkdtemp(prefix="turf-load-")
    port = free_port()
    env = environment(use_pg, use_redis, folder, port)
    print(
        f"load: {'PostgreSQL' if use_pg else 'SQLite'}, {'Redis' if use_redis else 'local-memory cache'}, "
        f"gunicorn {env['WEB_CONCURRENCY']} workers, DEBUG off, {args.clients} clients, {args.seconds:g} s a scenario"
    )
    print("set-up:")
    fixture = prepare(env, use_pg)
    tokens, race, day = fixture["tokens"], fixture["race"], fixture["day"]
    if race is None:
        raise SystemExit("no race today in the demo programme")

    def auth(plan: str) -> dict:
        return {"Authorization": f"Bearer {tokens[plan]}"}

    scenarios = {
        "floor (bare Django view)": [("/bench/floor", {})],
        "courses/today (pro)": [(f"/api/v1/courses/today?date={day}", auth("pro"))],
        f"courses/{race}/predictions (pro)": [(f"/api/v1/courses/{race}/predictions?date={day}", auth("pro"))],
        "predictions/all (pro)": [(f"/api/v1/predictions/all?date={day}", auth("pro"))],
        "valuebets (pro)": [(f"/api/v1/valuebets?date={day}", auth("pro"))],
        "mix of the three plans": [
            (f"/api/v1/courses/today?date={day}", auth("free")),
            (f"/api/v1/courses/{race}/predictions?date={day}", auth("free")),
            (f"/api/v1/predictions/top3?date={day}", auth("free")),
            (f"/api/v1/valuebets?date={day}", auth("free")),  # refused: premium (an intended 403)
            (f"/api/v1/courses/today?date={day}", auth("premium")),
            (f"/api/v1/valuebets?date={day}", auth("premium")),
            (f"/api/v1/predictions/all?date={day}", auth("premium")),
            (f"/api/v1/courses/{race}/predictions?date={day}", auth("pro")),
            ("/api/v1/metrics", auth("pro")),
            ("/api/v1/bets", auth("pro")),
        ],
    }
    log = Path(folder) / "gunicorn.log"
    server = serve(env, port, log)
    try:
        # Warm each worker's caches and connections, as a server that has been up a while.
        drive(port, [path for requests in scenarios.values() for path in requests], 2, args.clients)
        results = {name: drive(port, requests, args.seconds, args.clients) for name, requests in scenarios.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = results["floor (bare Django view)"]["rps"]
    header = ["req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "429", "403", "x floor"]
    widths = [8, 8, 8, 8, 7, 5, 5, 8]
    print("\n" + f"{'scenario':38} " + " ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for name, r in results.items():
        print(
            f"{name:38} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d} "
            f"{r['throttled']:5d} {r['refused']:5d} {r['rps'] / floor:8.2f}"
        )
    print(f"\n(requests: {sum(r['requests'] for r in results.values())}; server log {log})")
    if use_pg:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
