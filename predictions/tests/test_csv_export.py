"""CSV a spreadsheet cannot be tricked by: a cell that starts like a formula is quoted, in every export."""

import csv

import pytest

from courses.models import Horse, Racecourse
from predictions.csv_export import FORMULA_STARTS, csv_lines, neutralise
from predictions.tests.factories import DAY, call_quiet, scored_card

PAYLOADS = [
    '=HYPERLINK("http://evil.test","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",  # leading spaces, trimmed by some importers
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_that_starts_like_a_formula_is_quoted(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", [-2.5, -3, 0, "VINCENNES", "Prix d'Amérique", "R1C1", "2025-11-05", ""])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert neutralise(value) == value


def test_a_missing_value_is_an_empty_cell():
    assert neutralise(None) == ""


def _formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: starting (after spaces) like a formula and not a plain number."""

    def number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    return [cell for row in rows for cell in row if cell.lstrip(" ").startswith(FORMULA_STARTS) and not number(cell)]


def test_csv_lines_quote_every_payload_in_every_column():
    lines = csv_lines(["a", "b"], [[payload, -1.5] for payload in PAYLOADS])
    rows = list(csv.reader("".join(lines).splitlines()))
    assert len(rows) == len(PAYLOADS) + 1 and not _formula_cells(rows)


@pytest.fixture
def hostile_card():
    """The scored card, its horses and racecourse named like formulas (names come from the feeds)."""
    race = scored_card()
    for runner, payload in zip(race.runners.order_by("saddle_number"), PAYLOADS, strict=False):
        Horse.objects.filter(pk=runner.horse_id).update(name=payload, source_id=payload)
    Racecourse.objects.filter(pk=race.meeting.racecourse_id).update(name=PAYLOADS[0])
    return race


@pytest.mark.django_db
def test_the_api_export_quotes_formulas_in_every_column(api, pro_user, hostile_card):
    response = api.as_user(pro_user).get("/api/v1/export/csv", {"type": "predictions", "date": str(DAY)})
    rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    assert len(rows) == 5
    assert {row[7] for row in rows[1:]} == {"'" + payload for payload in PAYLOADS[:4]}  # the horses, quoted
    assert not _formula_cells(rows)


@pytest.mark.django_db
def test_the_export_command_quotes_formulas_too(hostile_card, tmp_path):
    out = tmp_path / "predictions.csv"
    call_quiet("export_predictions", "--start", str(DAY), "--end", str(DAY), "--out", str(out))
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 5
    assert {row[5] for row in rows[1:]} == {"'" + payload for payload in PAYLOADS[:4]}  # source_horse_id
    assert not _formula_cells(rows)
