"""PMU's public JSON API (turfinfo) over HTTP: polite, retried, every answer archived before it is read.

``PmuClient`` asks for a day's programme and a race's participants, performances détaillées and rapports
définitifs. Each request waits its turn (at most ``PMU_FEED_RPS`` a second in this process), is retried with
exponential backoff on connection errors, 5xx and 429 (honouring ``Retry-After``), and its final answer — or
the error when there was none — is stored gzip-compressed in ``FeedResponse`` before anyone parses it, so a day
can be re-imported after a parser fix. A race not published yet (404, 204, an empty body) is ``None``, not an
error; a source that cannot be read after the retries raises ``FeedUnavailable``. Settings are read at each
request, so a test or an operator can change them without a restart.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from ..models import FeedResponse, Source, race_code
from .report import FeedUnavailable

PROGRAMME, PARTICIPANTS, PERFORMANCES, RAPPORTS = "programme", "participants", "performances", "rapports"
RETRY_STATUSES = (429, 500, 502, 503, 504)
# PMU's way of saying "nothing here yet": a race whose participants or rapports are not published.
NOT_PUBLISHED = frozenset({204, 404})
RETRY_AFTER_MAX = 60  # seconds: a longer wait is better left to the next scheduled check


class MalformedResponse(ValueError):
    """A response that is not the JSON it should be (its archive row says why)."""


class PoliteRetry(Retry):
    """urllib3's retry, honouring ``Retry-After`` up to ``RETRY_AFTER_MAX`` (a worker never sleeps for hours)."""

    def get_retry_after(self, response) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_MAX)


class RateLimiter:
    """At most ``rate`` calls a second, across the threads of this process: each call waits for its slot."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, rate: float) -> None:
        if rate <= 0:  # 0 or less: no limit (the tests' local server)
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + 1 / rate
        if slot > now:
            time.sleep(slot - now)


# One limiter per process: every client of this process shares PMU's patience.
LIMITER = RateLimiter()


@dataclass
class Fetched:
    """A published answer of PMU: its archive row and body."""

    kind: str
    url: str
    fetched_at: dt.datetime
    body: bytes
    archive_id: int
    reused: bool = False  # taken from the archive, no request made

    def json(self) -> object:
        """The body's data; MalformedResponse (and the archive row says so) if it is not JSON."""
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            error = f"not valid JSON: {exc}"
            self.mark_malformed(error)
            raise MalformedResponse(error) from None

    def mark_malformed(self, error: str) -> None:
        FeedResponse.objects.filter(pk=self.archive_id).update(error=error[:300])


class PmuClient:
    """The PMU turfinfo endpoints; ``requests`` counts the HTTP requests this client made."""

    live = True  # reads PMU itself: its successes and failures are the source's health

    def __init__(self):
        self.requests = 0
        self._session: requests.Session | None = None
        self._session_key: tuple | None = None

    # -- endpoints ----------------------------------------------------------------------------------------

    def programme(self, *, date: dt.date, max_age: dt.timedelta | None = dt.timedelta(0)) -> Fetched | None:
        """The day's programme. Reused from the archive when its latest published copy is younger than
        ``max_age`` (``None``: any age, fetched only when the archive has none; ``0``: always fetched)."""
        if max_age is None or max_age > dt.timedelta(0):
            archived = self._archived_programme(date, max_age)
            if archived is not None:
                return archived
        url = f"{self._base(settings.PMU_CLIENT_PROGRAMME)}/programme/{date:%d%m%Y}"
        return self._get(url, kind=PROGRAMME, date=date)

    def participants(self, *, date: dt.date, meeting: int, number: int) -> Fetched | None:
        """A race's runners: odds (``dernierRapportDirect``), non-partants, and after the race its order."""
        return self._race_get(settings.PMU_CLIENT_PARTICIPANTS, "participants", PARTICIPANTS, date, meeting, number)

    def performances(self, *, date: dt.date, meeting: int, number: int) -> Fetched | None:
        """The runners' past races (performances détaillées): archived for later, not imported."""
        return self._race_get(
            settings.PMU_CLIENT_PERFORMANCES, "performances-detaillees/pretty", PERFORMANCES, date, meeting, number
        )

    def rapports(self, *, date: dt.date, meeting: int, number: int) -> Fetched | None:
        """A race's rapports définitifs (what each winning combination paid)."""
        return self._race_get(settings.PMU_CLIENT_RAPPORTS, "rapports-definitifs", RAPPORTS, date, meeting, number)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def _base(self, client: int) -> str:
        return f"{settings.PMU_API_URL.rstrip('/')}/{client}"

    def _race_get(self, client: int, tail: str, kind: str, date: dt.date, meeting: int, number: int):
        url = f"{self._base(client)}/programme/{date:%d%m%Y}/R{meeting}/C{number}/{tail}"
        return self._get(url, kind=kind, date=date, race=race_code(meeting, number))

    def session(self) -> requests.Session:
        """A session whose retry policy follows the current settings (rebuilt when they change)."""
        key = (settings.PMU_FEED_RETRIES, settings.PMU_FEED_BACKOFF)
        if self._session is None or self._session_key != key:
            if self._session is not None:
                self._session.close()
            retry = PoliteRetry(
                total=settings.PMU_FEED_RETRIES,
                backoff_factor=settings.PMU_FEED_BACKOFF,
                status_forcelist=RETRY_STATUSES,
                respect_retry_after_header=True,
                allowed_methods={"GET"},
                raise_on_status=False,
            )
            session = requests.Session()
            adapter = HTTPAdapter(max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session, self._session_key = session, key
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _get(self, url: str, *, kind: str, date: dt.date, race: str = "") -> Fetched | None:
        """GET one endpoint: archived whatever happens; None when not published; FeedUnavailable when PMU
        cannot be read (no answer, or still an error status after the retries)."""
        LIMITER.wait(settings.PMU_FEED_RPS)
        what = f"PMU {kind} of {race + ' ' if race else ''}{date:%d/%m/%Y}"
        self.requests += 1
        try:
            response = self.session().get(
                url,
                timeout=settings.PMU_FEED_TIMEOUT,
                headers={"User-Agent": settings.PMU_FEED_USER_AGENT, "Accept": "application/json"},
            )
        except requests.RequestException as exc:
            error = f"no answer from {urlsplit(url).netloc} after {settings.PMU_FEED_RETRIES} retries: {_reason(exc)}"
            _archive(url, kind, date, race, status=None, body=b"", error=error)
            raise FeedUnavailable(f"{what}: {error}") from None
        body = response.content
        status = response.status_code
        error = ""
        if status >= 400 and status not in NOT_PUBLISHED:
            error = f"HTTP {status} {response.reason or ''}".strip()
            if status in RETRY_STATUSES:
                error += f" after {settings.PMU_FEED_RETRIES} retries"
        row = _archive(url, kind, date, race, status=status, body=body, error=error)
        if error:
            raise FeedUnavailable(f"{what}: PMU answered {error} ({url})")
        if status in NOT_PUBLISHED or not body.strip():
            return None
        return Fetched(kind=kind, url=url, fetched_at=row.fetched_at, body=body, archive_id=row.pk)

    def _archived_programme(self, date: dt.date, max_age: dt.timedelta | None) -> Fetched | None:
        rows = FeedResponse.objects.filter(
            source=Source.PMU, kind=PROGRAMME, date=date, status_code=200, error="", size__gt=0
        )
        if max_age is not None:
            rows = rows.filter(fetched_at__gte=timezone.now() - max_age)
        row = rows.order_by("-fetched_at", "-id").first()
        if row is None:
            return None
        body = gzip.decompress(bytes(row.body))
        return Fetched(
            kind=PROGRAMME, url=row.url, fetched_at=row.fetched_at, body=body, archive_id=row.pk, reused=True
        )


class ArchiveClient(PmuClient):
    """The same endpoints answered from the archive, no request made: a day replayed after a parser fix.
    Each endpoint gives its latest archived answer (a 404 then is "not published"; nothing archived too)."""

    live = False

    def programme(self, *, date: dt.date, max_age: dt.timedelta | None = None) -> Fetched | None:
        return self._get("", kind=PROGRAMME, date=date)

    def _get(self, url: str, *, kind: str, date: dt.date, race: str = "") -> Fetched | None:
        row = (
            FeedResponse.objects.filter(source=Source.PMU, kind=kind, date=date, race_code=race)
            .exclude(status_code=None)
            .order_by("-fetched_at", "-id")
            .first()
        )
        if row is None or row.status_code != 200 or not row.size:
            return None
        body = gzip.decompress(bytes(row.body))
        return Fetched(kind=kind, url=row.url, fetched_at=row.fetched_at, body=body, archive_id=row.pk, reused=True)


def _archive(url: str, kind: str, date: dt.date, race: str, *, status: int | None, body: bytes, error: str):
    """Store one answer (or its absence) raw, before it is read."""
    return FeedResponse.objects.create(
        source=Source.PMU,
        url=url[:500],
        kind=kind,
        date=date,
        race_code=race,
        fetched_at=timezone.now(),
        status_code=status,
        body=gzip.compress(body, mtime=0) if body else b"",
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest() if body else "",
        error=error[:300],
    )


def _reason(exc: requests.RequestException) -> str:
    """The root cause of a failed request in a few words: "timed out", "connection refused"…"""
    text = str(exc)
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return f"timed out (timeout {settings.PMU_FEED_TIMEOUT} s)"
    if "refused" in text.lower():
        return "connection refused"
    if "Name or service not known" in text or "getaddrinfo" in text or "resolve" in text.lower():
        return "host name not resolved"
    return f"{type(exc).__name__}: {text}"[:200]
