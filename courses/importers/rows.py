"""What the parsers share to read their sources: CSV rows, where a race is, and the cell readers.

Each reader raises ``RejectRace`` naming the column and the value it refused; ``RowError`` is the
same with the line of the row at fault, so that a race is reported where its defect is.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from .payloads import Rejected, RejectRace

Built = TypeVar("Built")

# -- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """A CSV header: its column names and where each is (the last one wins if a name repeats)."""

    names: tuple[str, ...]
    index: dict[str, int]

    @classmethod
    def of(cls, names: list[str]) -> Header:
        """The header of these raw names, stripped."""
        names = tuple(name.strip() for name in names)
        return cls(names, {name: position for position, name in enumerate(names)})

    def require(self, columns: tuple[str, ...], file_name: str) -> None:
        """ValueError naming the columns the file lacks: without them no row can be read."""
        missing = [name for name in columns if name not in self.index]
        if missing:
            raise ValueError(f"{file_name}: missing column(s) {', '.join(missing)}")


class Row:
    """One CSV row, cells stripped once, with the line it ends on: ``get`` reads a column by name."""

    # A file of 70,000 rows keeps many of them in memory: no per-row dict.
    __slots__ = ("header", "line", "values")

    def __init__(self, line: int, values: list[str], header: Header):
        self.line = line
        self.values = [value.strip() for value in values]
        self.header = header

    def get(self, name: str) -> str:
        """The cell of a column the header has (a row cut short reads as blank)."""
        position = self.header.index[name]
        return self.values[position] if position < len(self.values) else ""

    def optional(self, name: str) -> str:
        """A column some exports lack (HKJC's sectionals): blank when absent."""
        return self.get(name) if name in self.header.index else ""

    def check_width(self) -> None:
        """RowError if the row has more or fewer fields than the header: its cells cannot be trusted."""
        width = len(self.header.names)
        if len(self.values) != width:
            raise RowError(self.line, f"the row has {len(self.values)} fields, the header {width}")

    def differing(self, other: Row) -> list[str]:
        """The columns on which two rows of the same header disagree, in header order."""
        return [name for name in dict.fromkeys(self.header.names) if self.get(name) != other.get(name)]


class RowError(RejectRace):
    """A row is unusable: its race is rejected at that row's line."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


@contextmanager
def open_csv(path: Path, required: tuple[str, ...] = ()) -> Iterator[tuple[Any, Header]]:
    """A csv reader past a header that has the ``required`` columns, with that header.

    A file that cannot be read, or lacks a column, is a ValueError: no row of it can be trusted.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = Header.of(next(reader, []))
            header.require(required, path.name)
            yield reader, header
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        # A truncated gzip, bytes that are not UTF-8 or a broken quote: the whole file is suspect.
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"{path.name}: cannot be read ({exc})") from None


def read_rows(reader: Any, header: Header) -> Iterator[Row]:
    """The rows of an open CSV, blank lines skipped."""
    for values in reader:
        if any(value.strip() for value in values):
            yield Row(reader.line_num, values, header)


def where(file_name: str, line: int, key_name: str, key: str) -> str:
    """Where a race is, for its reject: ``runs.csv.gz line 12 (race_id 3)``."""
    return f"{file_name} line {line} ({key_name} {key or '?'})"


@contextmanager
def rejected_at(line: int) -> Iterator[None]:
    """A RejectRace raised inside is reported at ``line`` (one the cause names itself keeps its own)."""
    try:
        yield
    except RowError:
        raise
    except RejectRace as exc:
        raise RowError(line, str(exc)) from None


def build_or_reject(
    rows: list[Row], file_name: str, key_name: str, key: str, build: Callable[[str], Built]
) -> Built | Rejected:
    """``build(where its first row is)`` for one race, or the race rejected whole at the row at fault."""

    def locate(line: int) -> str:
        """Where the race is, at this line."""
        return where(file_name, line, key_name, key)

    first = rows[0].line
    try:
        for row in rows:
            row.check_width()
        return build(locate(first))
    except RowError as exc:
        return Rejected(locate(exc.line), str(exc))
    except RejectRace as exc:
        return Rejected(locate(first), str(exc))
    except ArithmeticError as exc:  # to_decimal / to_int on a number too large to hold ("1e30")
        return Rejected(locate(first), f"a number is out of range ({type(exc).__name__})")


def same_race_columns(rows: list[Row], columns: tuple[str, ...]) -> None:
    """RowError at the first row that disagrees with the race's first row on a race-level column."""
    first = rows[0]
    for row in rows[1:]:
        for name in columns:
            if row.get(name) != first.get(name):
                differs = f"{name}={row.get(name)!r} differs from {first.get(name)!r} on line {first.line}"
                raise RowError(row.line, differs)


# -- cells ---------------------------------------------------------------------------------------


def _blank(value: Any, name: str, blank_ok: bool) -> bool:
    """Whether a cell is blank (None or spaces); RejectRace if it is and must not be."""
    if value is not None and not (isinstance(value, str) and value.strip() == ""):
        return False
    if blank_ok:
        return True
    raise RejectRace(f"{name} is missing")


def to_decimal(value: Any, name: str, *, places: int = 2, blank_ok: bool = True) -> Decimal | None:
    """A decimal rounded to ``places``; blank is None unless ``blank_ok`` is off."""
    if _blank(value, name, blank_ok):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RejectRace(f"{name}={value!r} is not a number") from None
    if not number.is_finite():
        raise RejectRace(f"{name}={value!r} is not a finite number")
    try:
        return number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise RejectRace(f"{name}={value!r} is out of range") from None


def to_int(value: Any, name: str, *, blank_ok: bool = True, minimum: int | None = None) -> int | None:
    """A whole number ("12" or "12.0") that fits the database, and is at least ``minimum`` if given."""
    if _blank(value, name, blank_ok):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise RejectRace(f"{name}={value!r} is not a whole number") from None
    if number != number or abs(number) == float("inf") or number != int(number):
        raise RejectRace(f"{name}={value!r} is not a whole number")
    if abs(number) > 2**31 - 1:
        raise RejectRace(f"{name}={value!r} is out of range")
    # Counts and numbers in unsigned columns: say so before the database refuses the row.
    if minimum is not None and number < minimum:
        bound = "is negative" if minimum == 0 else f"must be {minimum} or more"
        raise RejectRace(f"{name}={value!r} {bound}")
    return int(number)


def extra_number(value: str, name: str) -> int | float | None:
    """A number for a payload's ``extra`` (JSON) as the file writes it: whole numbers as int, blank None."""
    if not value:
        return None
    try:
        number = float(value)  # float round-trips the file's text, where a rounded Decimal would not
    except ValueError:
        raise RejectRace(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise RejectRace(f"{name}={value!r} is not a finite number")
    return int(number) if number.is_integer() else number


def to_date(value: str, name: str, *, day_first: bool = False) -> dt.date:
    """An ISO date ``2025-01-31``; with ``day_first``, ``1/04/2025`` too (one Betfair file writes dates so)."""
    try:
        if day_first and "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        formats = "YYYY-MM-DD or D/MM/YYYY" if day_first else "YYYY-MM-DD"
        raise RejectRace(f"{name}={value!r} is not {formats}") from None


def id_order(value: str) -> tuple:
    """A sort key for source ids: numeric ids in numeric order (9 before 10), any other after them as text."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def ascii_lower(text: str) -> str:
    """Lower-case ASCII, accents dropped: "Déclaré" -> "declare", for codes and loose matching."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
