"""The PMU API replayed by a local HTTP server (pytest-httpserver): no test reaches the network."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import socket
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

DAY = dt.date(2025, 11, 5)  # the day of the stored PMU responses
MS_PER_DAY = 86_400_000


def programme_path(day: dt.date = DAY) -> str:
    return f"/rest/client/1/programme/{day:%d%m%Y}"


def race_path(kind: str, race: str = "R1/C1", day: dt.date = DAY) -> str:
    client, tail = {
        "participants": (61, "participants"),
        "performances": (61, "performances-detaillees/pretty"),
        "rapports": (1, "rapports-definitifs"),
    }[kind]
    return f"/rest/client/{client}/programme/{day:%d%m%Y}/{race}/{tail}"


class Answer:
    """One scripted answer: a status, a body (bytes, or data sent as JSON), headers, a delay before it."""

    def __init__(self, body: bytes | object = b"", *, status: int = 200, headers: dict | None = None, delay=0.0):
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.status, self.headers, self.delay = status, headers or {}, delay

    def response(self) -> Response:
        if self.delay:
            time.sleep(self.delay)
        return Response(self.body, status=self.status, headers=self.headers, content_type="application/json")


class Replay:
    """Routes path -> answers; each request takes the next answer, the last one stays. Unknown paths: 404."""

    def __init__(self, server, files: Path | None):
        self.server = server
        self.files = files
        self.routes: dict[str, list[Answer]] = {}
        server.expect_request(re.compile(r"^/rest/client/.*"), method="GET").respond_with_handler(self._answer)

    def serve(self, path: str, *answers: Answer | bytes | object) -> None:
        self.routes[path] = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def file(self, name: str) -> bytes:
        return (self.files / name).read_bytes()

    def data(self, name: str) -> object:
        return json.loads(self.file(name))

    def stored_day(self) -> None:
        """The stored responses of 2025-11-05: its programme, R1C1's participants, performances and rapports."""
        self.serve(programme_path(), self.file("programme_05112025.json"))
        self.serve(race_path("participants"), self.file("participants_R1_C1.json"))
        self.serve(race_path("performances"), self.file("performances_R1_C1.json"))
        self.serve(race_path("rapports"), self.file("rapports_R1_C1.json"))

    def requests(self, path: str | None = None) -> list[Request]:
        return [request for request, _ in self.server.log if path is None or request.path == path]

    def _answer(self, request: Request) -> Response:
        answers = self.routes.get(request.path)
        if not answers:
            return Response(b"", status=404)
        return (answers.pop(0) if len(answers) > 1 else answers[0]).response()


@pytest.fixture
def unused_port() -> int:
    """A port of 127.0.0.1 nothing listens on: the PMU server down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pmu_dir(data_dir) -> Path:
    return data_dir / "pmu_api_json"


@pytest.fixture
def pmu_api(httpserver, settings):
    """PMU_API_URL pointed at the local server; no politeness delay, no backoff, two retries."""
    settings.PMU_API_URL = httpserver.url_for("/rest/client")
    settings.PMU_FEED_RPS = 0
    settings.PMU_FEED_BACKOFF = 0
    settings.PMU_FEED_RETRIES = 2
    settings.PMU_FEED_TIMEOUT = 5
    return httpserver


@pytest.fixture
def replay(pmu_api, pmu_dir) -> Replay:
    return Replay(pmu_api, pmu_dir)


# -- the stored day, shifted to a day to come and set back to its morning ---------------------------------


def shifted(programme: dict, day: dt.date) -> dict:
    """The stored programme moved to ``day`` (its dates and start times), every race still to be run."""
    data = copy.deepcopy(programme)
    delta = (day - DAY).days * MS_PER_DAY
    body = data["programme"]
    body["date"] += delta
    for reunion in body["reunions"]:
        reunion["dateReunion"] += delta
        reunion["statut"] = "PROGRAMME"
        for course in reunion["courses"]:
            course["heureDepart"] += delta
            course.update(statut="PROGRAMMEE", categorieStatut="A_PARTIR", arriveeDefinitive=False)
            course.update(rapportsDefinitifsDisponibles=False, isArriveeDefinitive=False)
            for key in ("ordreArrivee", "incidents", "dureeCourse"):
                course.pop(key, None)
    return data


def finished(programme: dict, stored: dict, race: tuple[int, int], *, rapports: bool) -> dict:
    """``programme`` with one race run: its arrival and incidents as stored; rapports published or not."""
    data = copy.deepcopy(programme)
    meeting, number = race
    source = next(
        c for r in stored["programme"]["reunions"] for c in r["courses"] if (c["numReunion"], c["numOrdre"]) == race
    )
    for reunion in data["programme"]["reunions"]:
        for course in reunion["courses"]:
            if (course["numReunion"], course["numOrdre"]) == (meeting, number):
                for key in ("ordreArrivee", "incidents", "dureeCourse"):
                    course[key] = source[key]
                course.update(statut="FIN_COURSE", categorieStatut="ARRIVEE", arriveeDefinitive=True)
                course.update(rapportsDefinitifsDisponibles=rapports)
    return data


def morning(participants: dict, *, stamp: dt.datetime, **odds: float) -> dict:
    """The stored participants before their race: no result; live odds as stored unless ``odds`` says
    (``n7=2.5``: runner 7 at 2.5), stamped by PMU at ``stamp``."""
    data = copy.deepcopy(participants)
    for runner in data["participants"]:
        for key in ("ordreArrivee", "tempsObtenu", "reductionKilometrique", "incident", "commentaireApresCourse"):
            runner.pop(key, None)
        runner["dernierRapportDirect"]["dateRapport"] = int(stamp.timestamp() * 1000)
        wanted = odds.get(f"n{runner['numPmu']}")
        if wanted is not None:
            runner["dernierRapportDirect"]["rapport"] = wanted
    return data
