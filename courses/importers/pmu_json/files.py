"""The PMU JSON files under a path: each read, told apart by its shape, and paired with its race."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..payloads import RacePayload, Rejected, RejectRace
from .matching import attach
from .programme import PARTICIPANTS, PERFORMANCES, PROGRAMME, RAPPORTS, Course, PmuFile, programme_courses
from .race import build_race


def load_json(path: Path) -> object:
    """A JSON file's data; ValueError if it is not JSON."""
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not valid JSON ({exc})") from None


def classify(data: object) -> str | None:
    """What a PMU response is, from its shape: programme, participants, rapports, performances."""
    if isinstance(data, dict):
        programme = data.get("programme")
        if isinstance(programme, dict) and isinstance(programme.get("reunions"), list):
            return PROGRAMME
        runners = data.get("participants")
        if isinstance(runners, list) and runners and all(isinstance(r, dict) for r in runners):
            if any("coursesCourues" in r for r in runners):
                return PERFORMANCES
            if all("numPmu" in r for r in runners):
                return PARTICIPANTS
    bets = isinstance(data, list) and data and all(isinstance(b, dict) and "typePari" in b for b in data)
    if bets and all(isinstance(b.get("rapports"), list) for b in data):
        return RAPPORTS
    return None


@dataclass
class PmuJson:
    """Everything found under a path, paired up; iterate ``items()`` to get the races."""

    root: Path
    courses: list[Course] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many items ``items()`` yields, for the progress bar."""
        return len(self.courses) + len(self.rejected)

    def items(self) -> Iterator[RacePayload | Rejected]:
        """Every programme race, built or rejected, then the files no race could be found for."""
        for course in self.courses:
            try:
                yield build_race(course)
            except RejectRace as exc:
                yield Rejected(course.location, str(exc))
        yield from self.rejected


def scan(path: Path) -> PmuJson:
    """Read a programme file, or every JSON file under a folder, and match files to races."""
    found = PmuJson(root=path if path.is_dir() else path.parent)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".json")
        if not files:
            raise ValueError("no .json file in this folder")
    else:
        files = [path]
    loaded = []
    for file in files:
        data = load_json(file)
        loaded.append(PmuFile(file, classify(data), data))
    if not path.is_dir() and loaded[0].kind != PROGRAMME:
        kind = loaded[0].kind or "unrecognised"
        raise ValueError(f"not a PMU programme ({kind} JSON): give the programme file or the folder holding both")
    for file in loaded:
        if file.kind == PROGRAMME:
            found.courses.extend(programme_courses(file, _relative(file.path, found.root)))
    for file in loaded:
        where = _relative(file.path, found.root)
        if file.kind in (PARTICIPANTS, RAPPORTS):
            reason = attach(file, found.courses)
            if reason:
                found.rejected.append(Rejected(where, reason))
        elif file.kind == PERFORMANCES:
            found.notes.append(f"ignored {where}: performances-détaillées describe past races, not imported")
        elif file.kind is None:
            found.notes.append(f"ignored {where}: not a PMU programme, participants or rapports response")
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name
