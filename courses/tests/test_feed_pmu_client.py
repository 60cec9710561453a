"""PmuClient over HTTP: retries, Retry-After, timeouts, the politeness limit, the raw archive, the reuse of a
fresh programme, "not published yet"."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
import time

import pytest
from django.db.models import F
from urllib3 import HTTPResponse

from courses.feeds.pmu import PmuClient
from courses.feeds.pmu_client import RETRY_AFTER_MAX, PoliteRetry, RateLimiter
from courses.feeds.report import FeedUnavailable
from courses.models import FeedResponse

from .conftest import DAY, Answer, programme_path, race_path

pytestmark = pytest.mark.django_db


def test_every_answer_is_archived_gzipped_with_its_size_and_sha256(replay):
    replay.stored_day()
    client = PmuClient()

    for kind in ("participants", "performances", "rapports"):
        fetched = getattr(client, kind)(date=DAY, meeting=1, number=1)
        assert fetched.body == replay.file(f"{kind}_R1_C1.json")
    client.programme(date=DAY)

    assert client.requests == 4
    for row in FeedResponse.objects.all():
        raw = gzip.decompress(bytes(row.body))
        assert row.source == "pmu" and row.status_code == 200 and row.date == DAY and row.error == ""
        assert (row.size, row.sha256) == (len(raw), hashlib.sha256(raw).hexdigest())
    programme = FeedResponse.objects.get(kind="programme")
    assert gzip.decompress(bytes(programme.body)) == replay.file("programme_05112025.json")
    assert programme.url.endswith("/rest/client/1/programme/05112025") and programme.race_code == ""
    rapports = FeedResponse.objects.get(kind="rapports")
    assert rapports.url.endswith("/rest/client/1/programme/05112025/R1/C1/rapports-definitifs")
    assert rapports.race_code == "R1C1"


def test_it_names_turf_in_its_user_agent(replay, settings):
    settings.PMU_FEED_USER_AGENT = "Turf/test (+https://turf.example)"
    replay.stored_day()

    PmuClient().programme(date=DAY)

    assert [r.headers["User-Agent"] for r in replay.requests()] == ["Turf/test (+https://turf.example)"]


@pytest.mark.parametrize("answer", [Answer(status=404), Answer(status=204), Answer(b""), Answer(b"  \n")])
def test_a_race_not_published_yet_is_none_not_an_error(replay, answer):
    replay.serve(race_path("rapports"), answer)

    assert PmuClient().rapports(date=DAY, meeting=1, number=1) is None

    row = FeedResponse.objects.get()
    assert (row.status_code, row.error) == (answer.status, "")


def test_a_server_error_is_retried_and_the_final_answer_archived(replay):
    replay.serve(
        programme_path(),
        Answer(b"busy", status=500),
        Answer(b"busy", status=502),
        replay.file("programme_05112025.json"),
    )

    fetched = PmuClient().programme(date=DAY)

    assert fetched.json()["programme"]["reunions"]
    assert len(replay.requests()) == 3  # two retries
    # urllib3 retries inside one call: the archive keeps the answer the feed got, one row per request made.
    assert list(FeedResponse.objects.values_list("status_code", flat=True)) == [200]


def test_a_server_error_after_every_retry_makes_the_source_unavailable(replay):
    replay.serve(programme_path(), Answer(b"down for maintenance", status=503))

    with pytest.raises(FeedUnavailable, match=r"PMU programme of 05/11/2025: PMU answered HTTP 503 .* after 2 retries"):
        PmuClient().programme(date=DAY)

    assert len(replay.requests()) == 3
    row = FeedResponse.objects.get()
    assert (row.status_code, gzip.decompress(bytes(row.body))) == (503, b"down for maintenance")
    assert "HTTP 503" in row.error


def test_a_429_waits_as_retry_after_says(replay):
    replay.serve(
        programme_path(), Answer(status=429, headers={"Retry-After": "1"}), replay.file("programme_05112025.json")
    )

    started = time.monotonic()
    fetched = PmuClient().programme(date=DAY)

    assert time.monotonic() - started >= 1.0  # the backoff is 0 here: the wait is PMU's Retry-After
    assert fetched is not None and len(replay.requests()) == 2


def test_a_retry_after_of_hours_is_cut_to_a_minute():
    retry = PoliteRetry(total=2).new()  # as urllib3 makes it at each retry: the class is kept

    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "7200"})) == RETRY_AFTER_MAX == 60
    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "3"})) == 3
    assert retry.get_retry_after(HTTPResponse()) is None


def test_a_timeout_is_retried(replay, settings):
    settings.PMU_FEED_TIMEOUT = 1.0
    settings.PMU_FEED_RETRIES = 1
    # The local server answers one request at a time: the retry (sent at 1.0 s) is served once the slow answer
    # is done (1.3 s), well within its own timeout.
    replay.serve(race_path("participants"), Answer(b"{}", delay=1.3), replay.file("participants_R1_C1.json"))

    fetched = PmuClient().participants(date=DAY, meeting=1, number=1)

    assert fetched.body == replay.file("participants_R1_C1.json")


def test_a_timeout_after_every_retry_makes_the_source_unavailable(replay, settings):
    settings.PMU_FEED_TIMEOUT = 0.2
    settings.PMU_FEED_RETRIES = 0
    replay.serve(race_path("participants"), Answer(b"{}", delay=0.6))

    started = time.monotonic()
    with pytest.raises(
        FeedUnavailable, match=r"R1C1 05/11/2025: no answer from 127\.0\.0\.1:\d+ after 0 retries: timed out"
    ):
        PmuClient().participants(date=DAY, meeting=1, number=1)

    assert time.monotonic() - started < 0.6
    row = FeedResponse.objects.get()
    assert (row.status_code, row.size, row.kind, row.race_code) == (None, 0, "participants", "R1C1")
    assert "timed out" in row.error


def test_the_server_down_is_unavailable_with_the_reason(pmu_api, settings, unused_port):
    settings.PMU_API_URL = f"http://127.0.0.1:{unused_port}/rest/client"

    with pytest.raises(FeedUnavailable, match=r"no answer from 127\.0\.0\.1:\d+ after 2 retries: connection refused"):
        PmuClient().programme(date=DAY)

    assert FeedResponse.objects.get().status_code is None


def test_a_fresh_programme_is_reused_from_the_archive(replay):
    replay.stored_day()
    client = PmuClient()
    first = client.programme(date=DAY)

    reused = client.programme(date=DAY, max_age=dt.timedelta(minutes=5))

    assert (reused.reused, reused.body, reused.archive_id) == (True, first.body, first.archive_id)
    assert client.requests == 1
    FeedResponse.objects.update(fetched_at=F("fetched_at") - dt.timedelta(minutes=6))
    assert not client.programme(date=DAY, max_age=dt.timedelta(minutes=5)).reused
    assert client.programme(date=DAY, max_age=None).reused  # any age will do
    assert not client.programme(date=DAY).reused  # max_age 0: always asked
    assert client.requests == 3


def test_requests_keep_to_the_rate_limit_across_threads():
    limiter = RateLimiter()
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [limiter.wait(20) for _ in range(3)]) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert time.monotonic() - started >= 5 / 20  # 6 calls: 5 intervals of 50 ms


def test_the_client_waits_its_turn(replay, settings):
    settings.PMU_FEED_RPS = 10
    replay.stored_day()
    client = PmuClient()

    started = time.monotonic()
    for _ in range(4):
        client.programme(date=DAY)

    assert time.monotonic() - started >= 0.3
