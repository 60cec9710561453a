"""import_pmu_csv on the real PMU trot attelé CSV: counts, units, imputed odds, dead heats, bad input."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Horse, Jockey, Meeting, Race, Runner, Source, Trainer

pytestmark = pytest.mark.django_db

FILE_NAME = "dataset_trot_attele.csv"


@pytest.fixture
def real_file(data_dir) -> Path:
    return data_dir / "pmu_trot_attele_2025" / FILE_NAME


def run(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_pmu_csv", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        "races": Race.objects.count(),
        "runners": Runner.objects.count(),
        "horses": Horse.objects.count(),
        "meetings": Meeting.objects.count(),
    }


def real_rows(path: Path, race_ids: list[str]) -> tuple[list[str], dict[str, list[list[str]]]]:
    """The header and, for each wanted race_id, its rows from the real file."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows: dict[str, list[list[str]]] = {race_id: [] for race_id in race_ids}
        for values in reader:
            if values[0] in rows:
                rows[values[0]].append(values)
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def extract(real_file: Path, tmp_path: Path, *race_ids: str) -> Path:
    header, rows = real_rows(real_file, list(race_ids))
    return write_csv(tmp_path / FILE_NAME, header, [row for race_id in race_ids for row in rows[race_id]])


# -- the whole file ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_real_file_imports_every_finisher_and_a_second_run_changes_nothing(real_file):
    out, err = run(real_file)

    assert "pmu_csv: races created=2809 updated=0 unchanged=0 rejected=0" in out
    assert "runners created=27672 updated=0 deleted=0; horses created=11973; rapports written=0" in out
    assert err == ""
    first = counts()
    assert first["races"] == 2809 and first["runners"] == 27672 and first["horses"] == 11973
    assert Race.objects.exclude(source=Source.PMU_CSV).count() == 0
    assert set(Race.objects.values_list("discipline", flat=True)) == {"trot_attele"}
    # The author's placeholder for a missing morning quote is not a quote.
    assert Runner.objects.filter(morning_odds__isnull=True).count() == 6032
    assert not Runner.objects.filter(morning_odds=Decimal("50")).exists()
    # Rank 1 appears 2,811 times: two races with a dead heat for first place.
    assert Runner.objects.filter(position=1).count() == 2811
    assert Runner.objects.filter(position=1, dead_heat=True).count() == 4
    assert set(Meeting.objects.values_list("racecourse__code", flat=True)) >= {"VIN", "ENG", "HWM", "CAB", "SOL"}

    out, err = run(real_file)

    assert "pmu_csv: races created=0 updated=0 unchanged=2809 rejected=0" in out
    assert "runners created=0 updated=0 deleted=0; horses created=0" in out
    assert err == ""
    assert counts() == first


def test_assigned_saddle_numbers_follow_horse_ids_and_say_nothing_of_the_result(real_file, tmp_path):
    with open(real_file, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        august = [row for row in reader if row[2] <= "2025-08-15"]  # ~400 races
    run(write_csv(tmp_path / FILE_NAME, header, august))

    by_race: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for race_id, saddle, horse_id, position in Runner.objects.values_list(
        "race_id", "saddle_number", "horse__source_id", "position"
    ):
        by_race[race_id].append((saddle, int(horse_id), position))
    saddle_one_wins = 0
    expected = 0.0
    for runners in by_race.values():
        runners.sort()
        assert [saddle for saddle, _, _ in runners] == list(range(1, len(runners) + 1))
        assert [horse for _, horse, _ in runners] == sorted(horse for _, horse, _ in runners)
        saddle_one_wins += runners[0][2] == 1
        expected += 1 / len(runners)
    # Numbered by rank, saddle 1 would win every race; by horse id it wins about its fair share.
    assert len(by_race) > 300
    assert abs(saddle_one_wins - expected) < 0.05 * len(by_race)
    assert not Runner.objects.exclude(extra__saddle_assigned=True).exists()


# -- one race, field by field ---------------------------------------------------------------------


def test_a_race_carries_its_course_and_runner_fields_in_our_units(real_file, tmp_path):
    out, err = run(extract(real_file, tmp_path, "2"))

    assert "races created=1" in out and err == ""
    race = Race.objects.get(source=Source.PMU_CSV, source_id="2")
    assert (race.meeting.date, race.meeting.number, race.number) == (dt.date(2025, 11, 5), 1, 2)
    racecourse = race.meeting.racecourse
    assert (racecourse.code, racecourse.name, racecourse.country) == ("PET", "Nantes", "FRA")
    assert (race.discipline, race.distance, race.currency, race.status) == ("trot_attele", 3000, "EUR", "finished")
    assert race.extra == {"weather_temperature": 18, "finishers_only": True}
    assert race.runners.count() == 14

    first = race.runners.get(saddle_number=1)  # the lowest horse_id, 16
    assert first.horse.source_id == "16" and first.horse.name == "PMU horse 16"
    assert (first.horse.sex, first.horse.birth_year, first.age) == ("gelding", 2017, 8)
    assert (first.jockey.name, first.trainer.name) == ("J. TRAVERS", "St. PROVOOST")
    assert first.career_earnings == Decimal("277035.00")  # 27,703,500 cents
    assert (first.morning_odds, first.position, first.dead_heat) == (Decimal("18.00"), 13, False)
    assert first.shoeing == "FERRE"  # blank deferre: fully shod
    assert first.extra == {
        "avg_red_km_last_5": 7366.666666666667,
        "nb_races_last_5": 5,
        "nb_dai_last_5": 0,
        "avg_place_last_5": 3.3333333333333335,
        "days_since_last_race": 1,
        "is_debutant": False,
        "saddle_assigned": True,
    }
    winner = race.runners.get(position=1)
    assert (winner.saddle_number, winner.horse.source_id, winner.horse.sex) == (5, "20", "male")
    assert winner.shoeing == "DEFERRE_ANTERIEURS_POSTERIEURS"
    assert Jockey.objects.filter(source=Source.PMU_CSV).count() == 14
    assert Trainer.objects.filter(source=Source.PMU_CSV, name="- DISP. ART. 27§ VIII").count() == 1


def test_a_morning_quote_of_exactly_50_is_stored_as_missing(real_file, tmp_path):
    _header, rows = real_rows(real_file, ["50"])
    imputed = {row[3] for row in rows["50"] if row[14] == "50.0"}
    assert imputed  # the real race has some

    run(extract(real_file, tmp_path, "50"))

    runners = Runner.objects.filter(race__source_id="50")
    assert set(runners.filter(morning_odds__isnull=True).values_list("horse__source_id", flat=True)) == imputed
    assert runners.filter(morning_odds__isnull=False).count() == len(rows["50"]) - len(imputed)


def test_a_dead_heat_for_first_gives_both_winners_position_1(real_file, tmp_path):
    run(extract(real_file, tmp_path, "3682"))

    race = Race.objects.get(source_id="3682")
    winners = race.runners.filter(position=1)
    assert sorted(winners.values_list("horse__source_id", flat=True)) == ["27124", "5123"]
    assert all(winner.dead_heat for winner in winners)
    assert not race.runners.filter(position=2).exists()
    assert race.runners.filter(dead_heat=False).count() == 6


# -- bad input -------------------------------------------------------------------------------------


def test_a_file_with_a_broken_header_is_refused_and_nothing_is_written(real_file, tmp_path):
    text = real_file.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / FILE_NAME
    broken.write_text("\n".join([text[0].replace("target_rank", "rank"), *text[1:50]]) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"missing column.*target_rank"):
        run(broken)
    assert Race.objects.count() == 0


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nowhere.csv")


def _set(column: str, value: str, row: int = 1):
    def change(header: list[str], rows: list[list[str]]) -> None:
        rows[row][header.index(column)] = value

    return change


def _same_horse_twice(header: list[str], rows: list[list[str]]) -> None:
    rows[1][header.index("horse_id")] = rows[0][header.index("horse_id")]


def _short_row(header: list[str], rows: list[list[str]]) -> None:
    del rows[1][5:]


@pytest.mark.parametrize(
    "breakage, reason",
    [
        (_set("target_rank", "x"), "target_rank='x' is not a whole number"),
        (_set("target_rank", ""), "target_rank is missing"),
        (_same_horse_twice, "horse_id 31 appears more than once (also line 16)"),
        (_set("hippodrome", "ENG"), "hippodrome='ENG' differs from 'PET' on line 16"),
        (_set("cote_matin", "0.5"), "cote_matin='0.5' is below 1.0"),
        (_set("cote_matin", "1000000"), "cote_matin='1000000' is too large to be odds"),
        (_set("gains_carriere", "-5"), "gains_carriere='-5' is not a plausible amount of cents"),
        (_set("is_debutant", "maybe"), "is_debutant='maybe' is not True or False"),
        (_short_row, "the row has 5 fields, the header 21"),
    ],
)
def test_a_malformed_race_is_rejected_whole_and_the_others_import(real_file, tmp_path, breakage, reason):
    header, rows = real_rows(real_file, ["2", "3", "4"])
    breakage(header, rows["3"])  # race 3 is on lines 16-28 of the small file, its second row on 17
    path = write_csv(tmp_path / "small.csv", header, rows["2"] + rows["3"] + rows["4"])

    out, err = run(path)

    assert "races created=2 updated=0 unchanged=0 rejected=1" in out
    assert f"rejected small.csv line 17 (race_id 3): {reason}" in err
    assert sorted(Race.objects.values_list("source_id", flat=True)) == ["2", "4"]
    assert Runner.objects.count() == len(rows["2"]) + len(rows["4"])
