"""import_hkjc: the Kaggle HKJC folder (races.csv + runs.csv.gz) into races, runners and rapports."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.importers.hkjc import parse_folder
from courses.models import Dividend, Horse, Jockey, Meeting, Race, Racecourse, Runner, RunnerStatus, Sex, Trainer

pytestmark = pytest.mark.django_db

RACE_HEADER = [
    "race_id",
    "date",
    "venue",
    "race_no",
    "config",
    "surface",
    "distance",
    "going",
    "horse_ratings",
    "prize",
    "race_class",
    *(f"sec_time{k}" for k in range(1, 8)),
    *(f"time{k}" for k in range(1, 8)),
    *(f"place_combination{k}" for k in range(1, 5)),
    *(f"place_dividend{k}" for k in range(1, 5)),
    "win_combination1",
    "win_dividend1",
    "win_combination2",
    "win_dividend2",
]
RUN_HEADER = [
    "race_id",
    "horse_no",
    "horse_id",
    "result",
    "won",
    "lengths_behind",
    "horse_age",
    "horse_country",
    "horse_type",
    "horse_rating",
    "horse_gear",
    "declared_weight",
    "actual_weight",
    "draw",
    *(f"position_sec{k}" for k in range(1, 7)),
    *(f"behind_sec{k}" for k in range(1, 7)),
    *(f"time{k}" for k in range(1, 7)),
    "finish_time",
    "win_odds",
    "place_odds",
    "trainer_id",
    "jockey_id",
]


# -- helpers -----------------------------------------------------------------------------------


def run_import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hkjc", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def real_subset(data_dir: Path, folder: Path, race_ids: set[str]) -> Path:
    """A copy of the real files holding only the given races, row for row."""
    source = data_dir / "hkjc_kaggle"
    folder.mkdir(exist_ok=True)
    with open(source / "races.csv", newline="") as src, open(folder / "races.csv", "w", newline="") as dst:
        _copy_rows(csv.reader(src), csv.writer(dst), race_ids)
    with (
        gzip.open(source / "runs.csv.gz", "rt", newline="") as src,
        gzip.open(folder / "runs.csv.gz", "wt", newline="") as dst,
    ):
        _copy_rows(csv.reader(src), csv.writer(dst), race_ids)
    return folder


def _copy_rows(reader, writer, race_ids: set[str]) -> None:
    writer.writerow(next(reader))
    writer.writerows(row for row in reader if row[0] in race_ids)


def race_row(race_id: int, **values) -> dict:
    """A plausible races.csv row: saddle 1 wins, 1-2-3 placed."""
    row = dict.fromkeys(RACE_HEADER, "")
    row.update(
        race_id=race_id,
        date="2004-05-01",
        venue="ST",
        race_no=race_id,
        config="A",
        surface=0,
        distance=1200,
        going="GOOD",
        horse_ratings="60-40",
        prize="800000.0",
        race_class=4,
        place_combination1=1,
        place_combination2=2,
        place_combination3="3.0",
        place_dividend1="15.5",
        place_dividend2="21.0",
        place_dividend3="30.5",
        win_combination1=1,
        win_dividend1="42.5",
    )
    row.update(values)
    return row


def run_row(race_id: int, horse_no, **values) -> dict:
    """A plausible runs.csv row: finishes in its saddle-number place."""
    row = dict.fromkeys(RUN_HEADER, "")
    row.update(
        race_id=race_id,
        horse_no=horse_no,
        horse_id=f"{race_id}{horse_no}",
        result=horse_no,
        won="1.0" if horse_no == 1 else "0.0",
        lengths_behind="0.0" if horse_no == 1 else "1.5",
        horse_age=3,
        horse_country="AUS",
        horse_type="Gelding",
        horse_rating=60,
        horse_gear="--",
        declared_weight="1050.0",
        actual_weight=126,
        draw=horse_no,
        finish_time="70.1",
        win_odds="5.5",
        place_odds="2.1",
        trainer_id=7,
        jockey_id=9,
    )
    row.update(values)
    return row


def write_folder(folder: Path, races: list[dict], runs: list[dict]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, header, rows in (("races.csv", RACE_HEADER, races), ("runs.csv", RUN_HEADER, runs)):
        with open(folder / name, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def three_races(**broken_runner) -> tuple[list[dict], list[dict]]:
    """Races 1-3 with four runners each; ``broken_runner`` overrides race 2's third runner."""
    races = [race_row(n) for n in (1, 2, 3)]
    runs = [run_row(race, horse) for race in (1, 2, 3) for horse in (1, 2, 3, 4)]
    runs[6].update(broken_runner)  # race 2, saddle 3: file line 8 (header is line 1)
    return races, runs


# -- the real data ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_full_import_creates_every_race_runner_horse_person_and_rapport(data_dir):
    out, err = run_import(data_dir / "hkjc_kaggle")

    assert out.strip() == (
        "hkjc: races created=5878 updated=0 unchanged=0 rejected=0; "
        "runners created=73570 updated=0 deleted=0; horses created=4169; rapports written=23520"
    )
    assert err == ""
    assert Race.objects.filter(source="hkjc").count() == 5878
    assert Runner.objects.count() == 73570
    assert Horse.objects.filter(source="hkjc").count() == 4169
    assert Jockey.objects.filter(source="hkjc").count() == 174
    assert Trainer.objects.filter(source="hkjc").count() == 163
    # 5,878 + 11 dead-heat second winners; 3 places a race, 2 in 24 small fields, a 4th in 21 dead heats.
    assert Dividend.objects.filter(bet_type="simple_gagnant").count() == 5889
    assert Dividend.objects.filter(bet_type="simple_place").count() == 17631
    assert Meeting.objects.count() == 632  # one per venue and date
    assert set(Racecourse.objects.values_list("code", "country")) == {("HK-ST", "HKG"), ("HK-HV", "HKG")}
    # 175 races share a place between two runners (11 of them for first).
    assert Race.objects.filter(runners__dead_heat=True).distinct().count() == 175
    assert Runner.objects.filter(dead_heat=True, position=1).count() == 22


# Races 1 and 2 (plain), 0 (a 999 margin), 50 (the paid winner missing from runs), 447 (a negative
# margin), 680 and 1654 (dead heats for first), 2046 (a fractional declared weight), 4387 (a paid
# place missing from runs): the values most likely to read back differently.
SAMPLE = {"0", "1", "2", "50", "447", "680", "1654", "2046", "4387"}


def test_it_copies_a_race_field_by_field_from_the_csv(data_dir, tmp_path):
    run_import(real_subset(data_dir, tmp_path / "hk", {"0"}))

    race = Race.objects.get(source="hkjc", source_id="0")
    assert race.meeting.date == dt.date(1997, 6, 2)
    assert race.meeting.racecourse.code == "HK-ST" and race.meeting.racecourse.name == "Sha Tin"
    assert (race.code, race.discipline, race.distance, race.going, race.surface) == (
        "R1C1",
        "plat",
        1400,
        "GOOD TO FIRM",
        "turf",
    )
    assert (race.race_class, race.prize, race.currency, race.status) == ("5", Decimal("485000"), "HKD", "finished")
    assert race.extra == {"config": "A", "horse_ratings": "40-15"}

    # 0,8,2170,1,1.0,0.0,3,AUS,Gelding,60,--,1170.0,128,2,...,82.64,12.0,3.6,47,183
    winner = race.runners.get(saddle_number=8)
    assert (winner.horse.source_id, winner.horse.name, winner.horse.sex, winner.horse.country) == (
        "2170",
        "HK horse 2170",
        Sex.GELDING,
        "AUS",
    )
    assert (winner.jockey.source_id, winner.jockey.name) == ("183", "HK jockey 183")
    assert (winner.trainer.source_id, winner.trainer.name) == ("47", "HK trainer 47")
    assert (winner.position, winner.status, winner.placed, winner.dead_heat) == (1, RunnerStatus.RUNNER, True, False)
    assert (winner.final_odds, winner.final_place_odds) == (Decimal("12.0"), Decimal("3.6"))
    assert winner.weight_kg == Decimal("58.1")  # 128 lb
    assert (winner.draw, winner.age, winner.rating, winner.equipment) == (2, 3, 60, "")
    assert (winner.finish_time, winner.lengths_behind) == (Decimal("82.64"), Decimal("0"))
    assert winner.extra == {"declared_weight_lb": 1170, "actual_weight_lb": 128}
    # Ninth at the first call, it ran the last of its four sections in 23.06 s: a closer.
    assert (winner.early_position, winner.last_section_time) == (9, Decimal("23.06"))

    # 0,10,2998,14,0.0,999.0,3,AUS,Mare,...: 999 is a marker, not a margin.
    last = race.runners.get(saddle_number=10)
    assert (last.position, last.lengths_behind, last.placed) == (14, None, False)
    assert last.extra["lengths_behind_raw"] == "999.0"
    assert last.horse.sex == Sex.FEMALE
    assert race.runners.get(saddle_number=1).weight_kg == Decimal("60.3")  # 133 lb

    # win 8 paid HK$121.0 per HK$10; places 8, 11, 6 paid 36.5, 25.5, 18.0.
    assert set(race.dividends.values_list("bet_type", "combination", "amount")) == {
        ("simple_gagnant", "8", Decimal("12.10")),
        ("simple_place", "8", Decimal("3.65")),
        ("simple_place", "11", Decimal("2.55")),
        ("simple_place", "6", Decimal("1.80")),
    }
    assert set(race.runners.filter(placed=True).values_list("saddle_number", flat=True)) == {8, 11, 6}


def test_a_dead_heat_for_first_flags_both_winners_and_pays_both(data_dir, tmp_path):
    run_import(real_subset(data_dir, tmp_path / "hk", {"680"}))

    race = Race.objects.get(source_id="680")
    flagged = set(race.runners.filter(dead_heat=True).values_list("saddle_number", "position"))
    assert flagged == {(1, 1), (11, 1)}
    assert race.runners.filter(dead_heat=False).count() == race.runners.count() - 2
    assert race.runners.get(saddle_number=6).position == 3
    wins = dict(race.dividends.filter(bet_type="simple_gagnant").values_list("combination", "amount"))
    assert wins == {"1": Decimal("5.10"), "11": Decimal("23.60")}


def test_a_dividend_paid_on_a_horse_missing_from_runs_is_kept_and_noted(data_dir, tmp_path):
    # Race 50 paid saddle 3 as the winner, but runs.csv has no saddle 3 and shows saddle 6 first.
    run_import(real_subset(data_dir, tmp_path / "hk", {"50"}))

    race = Race.objects.get(source_id="50")
    assert race.extra["paid_saddles_not_in_runs"] == [3]
    assert race.dividends.get(bet_type="simple_gagnant").combination == "3"
    assert not race.runners.filter(saddle_number=3).exists()
    assert race.runners.get(position=1).saddle_number == 6


def test_a_second_import_changes_nothing(data_dir, tmp_path):
    folder = real_subset(data_dir, tmp_path / "hk", SAMPLE)
    first, _ = run_import(folder)
    snapshot = (
        list(Race.objects.order_by("pk").values()),
        list(Runner.objects.order_by("pk").values()),
        list(Dividend.objects.order_by("pk").values()),
    )

    second, err = run_import(folder)

    assert "races created=9 " in first
    assert second.strip() == (
        "hkjc: races created=0 updated=0 unchanged=9 rejected=0; "
        "runners created=0 updated=0 deleted=0; horses created=0; rapports written=0"
    )
    assert err == ""
    after = (
        list(Race.objects.order_by("pk").values()),
        list(Runner.objects.order_by("pk").values()),
        list(Dividend.objects.order_by("pk").values()),
    )
    assert after == snapshot


# -- broken files and races -------------------------------------------------------------------


@pytest.mark.parametrize("file_name", ["races.csv", "runs.csv.gz"])
def test_it_refuses_a_file_with_a_broken_header(data_dir, tmp_path, file_name):
    folder = real_subset(data_dir, tmp_path / "hk", {"0", "1"})
    opener = gzip.open if file_name.endswith(".gz") else open
    with opener(folder / file_name, "rt") as handle:
        text = handle.read()
    with opener(folder / file_name, "wt") as handle:
        handle.write(text.replace("race_id", "raceid", 1))

    with pytest.raises(CommandError, match=rf"{file_name}: missing column\(s\) race_id"):
        run_import(folder)
    assert Race.objects.count() == 0


def test_it_refuses_a_truncated_gzip(data_dir, tmp_path):
    folder = real_subset(data_dir, tmp_path / "hk", {"0", "1"})
    data = (folder / "runs.csv.gz").read_bytes()
    (folder / "runs.csv.gz").write_bytes(data[: len(data) // 2])

    with pytest.raises(CommandError, match=r"runs.csv.gz: cannot be read"):
        run_import(folder)


def test_it_refuses_a_folder_without_runs(tmp_path):
    write_folder(tmp_path / "hk", [race_row(1)], [])
    (tmp_path / "hk" / "runs.csv").unlink()

    with pytest.raises(CommandError, match=r"runs.csv.gz or runs.csv is missing"):
        run_import(tmp_path / "hk")


@pytest.mark.parametrize(
    "broken, reason",
    [
        ({"horse_no": "3a"}, "horse_no='3a' is not a whole number"),
        ({"horse_no": "2"}, "horse_no 2 appears more than once (also line 7)"),
        ({"horse_id": ""}, "horse_id is missing"),
        ({"result": "XYZ"}, "result='XYZ' is neither a place nor a known HKJC code"),
        ({"win_odds": "abc"}, "win_odds='abc' is not a number"),
        ({"actual_weight": "12o"}, "actual_weight='12o' is not a number"),
        ({"draw": "-2"}, "draw='-2' is negative"),
        ({"position_sec1": "0"}, "position_sec1='0' is not a place (1 or more)"),
        ({"time2": "-3.1"}, "time2='-3.1' must be a positive number of seconds"),
    ],
)
def test_it_rejects_a_malformed_race_whole_and_imports_the_others(tmp_path, broken, reason):
    folder = write_folder(tmp_path / "hk", *three_races(**broken))

    out, err = run_import(folder)

    assert err == f"rejected runs.csv line 8 (race_id 2): {reason}\n"
    assert "races created=2 updated=0 unchanged=0 rejected=1" in out
    assert set(Race.objects.values_list("source_id", flat=True)) == {"1", "3"}
    assert Runner.objects.count() == 8


def test_it_rejects_a_runner_row_with_missing_fields(tmp_path):
    folder = write_folder(tmp_path / "hk", *three_races())
    lines = (folder / "runs.csv").read_text().splitlines()
    lines[7] = ",".join(lines[7].split(",")[:20])  # race 2, saddle 3
    (folder / "runs.csv").write_text("\n".join(lines) + "\n")

    _out, err = run_import(folder)

    assert err == "rejected runs.csv line 8 (race_id 2): the row has 20 fields, the header 37\n"
    assert set(Race.objects.values_list("source_id", flat=True)) == {"1", "3"}


def test_a_bad_races_row_is_reported_at_its_line_in_races_csv(tmp_path):
    races, runs = three_races()
    races[2]["surface"] = 7  # race 3 is line 4 of races.csv
    _out, err = run_import(write_folder(tmp_path / "hk", races, runs))

    assert err == "rejected races.csv line 4 (race_id 3): surface='7' is not 0 (turf) or 1 (dirt)\n"
    assert set(Race.objects.values_list("source_id", flat=True)) == {"1", "2"}


def test_races_without_runs_and_runs_without_a_race_are_rejected(tmp_path):
    races, runs = three_races()
    runs = [run for run in runs if run["race_id"] != 3] + [run_row(9, 1)]
    _out, err = run_import(write_folder(tmp_path / "hk", races, runs))

    assert err.splitlines() == [
        "rejected runs.csv line 10 (race_id 9): race_id is not in races.csv",
        "rejected races.csv line 4 (race_id 3): no runners in runs.csv",
    ]
    assert set(Race.objects.values_list("source_id", flat=True)) == {"1", "2"}


def test_a_race_id_listed_twice_in_races_csv_is_rejected(tmp_path):
    races, runs = three_races()
    races.append(race_row(2, race_no=9))  # line 5
    _out, err = run_import(write_folder(tmp_path / "hk", races, runs))

    assert err == "rejected races.csv line 3 (race_id 2): race_id is on lines 3, 5 of races.csv\n"
    assert set(Race.objects.values_list("source_id", flat=True)) == {"1", "3"}


# -- mapping ----------------------------------------------------------------------------------------


def test_runs_interleaved_across_races_are_grouped_by_race_id(tmp_path):
    races, runs = three_races()
    shuffled = runs[::2] + runs[1::2]  # every race appears in two separate blocks
    out, err = run_import(write_folder(tmp_path / "hk", races, shuffled))

    assert err == ""
    assert "races created=3 " in out
    for race in Race.objects.all():
        assert sorted(race.runners.values_list("saddle_number", flat=True)) == [1, 2, 3, 4]


def test_hkjc_result_codes_become_statuses_without_a_position(tmp_path):
    races = [race_row(1)]
    runs = [
        run_row(1, 1),
        run_row(1, 2, result="2 DH"),
        run_row(1, 3, result="2 DH"),
        run_row(1, 4, result="PU", lengths_behind="", finish_time=""),
        run_row(1, 5, result="WV", lengths_behind="", finish_time="", win_odds="", place_odds=""),
        run_row(1, 6, result="DISQ"),
        run_row(1, 7, result="FE", lengths_behind="", finish_time=""),
    ]
    _out, err = run_import(write_folder(tmp_path / "hk", races, runs))

    assert err == ""
    rows = {r.saddle_number: (r.status, r.position, r.dead_heat) for r in Runner.objects.all()}
    assert rows == {
        1: (RunnerStatus.RUNNER, 1, False),
        2: (RunnerStatus.RUNNER, 2, True),
        3: (RunnerStatus.RUNNER, 2, True),
        4: (RunnerStatus.PULLED_UP, None, False),
        5: (RunnerStatus.NON_PARTANT, None, False),
        6: (RunnerStatus.DISQUALIFIED, None, False),
        7: (RunnerStatus.FELL, None, False),
    }
    assert Runner.objects.get(saddle_number=6).extra["result"] == "DISQ"


@pytest.mark.parametrize(
    "horse_type, sex",
    [
        ("Gelding", Sex.GELDING),
        ("Mare", Sex.FEMALE),
        ("Filly", Sex.FEMALE),
        ("Horse", Sex.MALE),
        ("Colt", Sex.MALE),
        ("Rig", Sex.MALE),
        ("Brown", Sex.UNKNOWN),
        ("", Sex.UNKNOWN),
    ],
)
def test_horse_type_maps_to_a_sex_and_a_coat_colour_to_unknown(tmp_path, horse_type, sex):
    folder = write_folder(tmp_path / "hk", [race_row(1)], [run_row(1, 1, horse_type=horse_type)])
    items, total = parse_folder(folder)
    (race,) = list(items)

    assert total == 1
    assert race.runners[0].horse.sex == sex


def test_gear_and_weights_are_read_in_the_model_units(tmp_path):
    runs = [run_row(1, 1, horse_gear="TT/B", actual_weight="133", declared_weight="1112.46153846")]
    items, _ = parse_folder(write_folder(tmp_path / "hk", [race_row(1)], runs))
    runner = next(iter(items)).runners[0]

    assert runner.equipment == "TT/B"
    assert runner.weight_kg == Decimal("60.3")
    assert runner.extra["declared_weight_lb"] == pytest.approx(1112.46153846)
