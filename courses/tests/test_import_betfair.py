"""import_betfair on the real Betfair ANZ and UK/IE files: counts, both date formats, clocks, bad input."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.importers import betfair
from courses.importers.payloads import RacePayload, RejectRace
from courses.models import Horse, Race, Runner, Source

pytestmark = pytest.mark.django_db

ANZ_DIR, UK_DIR = "betfair_anz_thoroughbreds", "betfair_uk_ie_model"
ANZ_APRIL = "ANZ_Thoroughbreds_2025_04.csv"
UK = {month: f"UK_IE_Thoroughbred_Racing_Model_2026-{month:02d}.csv" for month in range(1, 6)}
UTC = dt.UTC
# Three consecutive races of a real file for the hand-broken cases: Windsor and Doomben R1-R3.
UK_MARKETS = ("252204751", "252204756", "252204762")
ANZ_MARKETS = ("241619292", "241619301", "241619310")


def run(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_betfair", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts(source: str) -> dict[str, int]:
    return {
        "races": Race.objects.filter(source=source).count(),
        "runners": Runner.objects.filter(race__source=source).count(),
        "horses": Horse.objects.filter(source=source).count(),
    }


def real_rows(path: Path, market_ids: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the wanted win markets, in file order."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        position = header.index("WIN_MARKET_ID")
        return header, [values for values in reader if values[position] in market_ids]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def extract(source: Path, target: Path, *market_ids: str) -> Path:
    header, rows = real_rows(source, list(market_ids))
    assert {row[header.index("WIN_MARKET_ID")] for row in rows} == set(market_ids)
    return write_csv(target, header, rows)


def runners_of(market_id: str) -> dict[str, Runner]:
    """The runners of one race by horse name."""
    return {r.horse.name: r for r in Runner.objects.filter(race__source_id=market_id).select_related("horse")}


# -- whole folders -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_uk_ie_folder_imports_every_settled_market_and_drops_the_non_runners(data_dir):
    out, err = run(data_dir / UK_DIR)

    assert "betfair_uk_ie: races created=4258 updated=0 unchanged=0 rejected=0" in out
    assert "runners created=38640 updated=0 deleted=0; horses created=16226" in out
    assert "betfair_uk_ie: non-runners dropped=782; unsettled markets skipped=169 (1646 rows)" in out
    assert "betfair_anz" not in out
    assert err == ""
    assert counts(Source.BETFAIR_UK_IE) == {"races": 4258, "runners": 38640, "horses": 16226}
    assert Counter(Race.objects.values_list("discipline", flat=True)) == {
        "plat": 2350,
        "haies": 1189,
        "steeple": 717,
        "cross": 2,
    }
    assert Counter(Race.objects.values_list("meeting__racecourse__country", flat=True)) == {"GBR": 3352, "IRL": 906}
    # Every kept runner has its BSP and Betfair's rated price; saddles were assigned.
    assert not Runner.objects.filter(final_odds__isnull=True).exists()
    assert not Runner.objects.filter(rated_price__isnull=True).exists()
    assert not Runner.objects.exclude(extra__saddle_assigned=True).exists()
    # 8 dead heats for first; one settled market has no winner in the file at all.
    winners = Counter(Runner.objects.filter(position=1).values_list("race_id", flat=True))
    assert Counter(winners.values()) == {1: 4249, 2: 8}
    assert Runner.objects.filter(position=1, dead_heat=True).count() == 16


def test_the_anz_folder_parses_to_every_market_with_no_runner_dropped(data_dir):
    found = betfair.scan(data_dir / ANZ_DIR)
    dropped = betfair.Dropped()

    races = [item for item in found.items(betfair.ANZ, dropped) if isinstance(item, RacePayload)]

    assert found.kinds() == [betfair.ANZ] and found.total(betfair.ANZ) == 6424
    assert len(races) == 6424
    assert sum(len(race.runners) for race in races) == 61606  # 61,719 rows less 113 repeated per place market
    assert dropped == betfair.Dropped(non_runners=0, unsettled_markets=0, unsettled_rows=0, duplicate_rows=113)
    assert len({runner.horse.source_id for race in races for runner in race.runners}) == 52124
    assert Counter(sum(r.position == 1 for r in race.runners) for race in races) == {1: 6415, 2: 9}
    assert Counter(race.country for race in races) == {"AUS": 5618, "NZL": 806}


@pytest.mark.slow
def test_the_anz_april_file_with_its_own_date_format_imports_whole_and_a_second_run_changes_nothing(data_dir):
    path = data_dir / ANZ_DIR / ANZ_APRIL

    out, err = run(path)

    assert "betfair_anz: races created=1652 updated=0 unchanged=0 rejected=0" in out
    assert "runners created=16034 updated=0 deleted=0; horses created=15388" in out
    assert "non-runners dropped=0; unsettled markets skipped=0 (0 rows); duplicate runner rows merged=23" in out
    assert err == ""
    first = counts(Source.BETFAIR_ANZ)
    dates = Race.objects.values_list("meeting__date", flat=True)
    assert (min(dates), max(dates)) == (dt.date(2025, 4, 1), dt.date(2025, 4, 30))

    out, err = run(path)

    assert "betfair_anz: races created=0 updated=0 unchanged=1652 rejected=0" in out
    assert "runners created=0 updated=0 deleted=0; horses created=0" in out
    assert err == ""
    assert counts(Source.BETFAIR_ANZ) == first


# -- race and runner fields ----------------------------------------------------------------------


def test_a_race_of_the_april_file_has_its_day_first_date_and_12_hour_start_time(data_dir, tmp_path):
    run(extract(data_dir / ANZ_DIR / ANZ_APRIL, tmp_path / "april.csv", "241619292", "242124163"))

    doomben = Race.objects.get(source=Source.BETFAIR_ANZ, source_id="241619292")
    assert (doomben.meeting.date, doomben.number, doomben.distance) == (dt.date(2025, 4, 1), 1, 1200)
    assert (doomben.discipline, doomben.race_class, doomben.currency) == ("plat", "CL1", "")
    racecourse = doomben.meeting.racecourse
    assert (racecourse.code, racecourse.name, racecourse.country) == ("BF-AUS-doomben", "Doomben", "AUS")
    # "12:43:00 PM" on the Sydney clock, still on daylight saving time (AEDT, UTC+11) on 1 April.
    assert doomben.start_time == dt.datetime(2025, 4, 1, 1, 43, tzinfo=UTC)
    assert doomben.extra == {"market_name": "R1 1200m CL1", "place_market_id": "241619293", "state": "QLD"}
    runners = runners_of("241619292")
    assert len(runners) == 11
    winner = runners["Pieratas Gem"]
    assert (winner.saddle_number, winner.horse.source_id, winner.position, winner.placed) == (16, "81812976", 1, True)
    assert (winner.final_odds, winner.final_place_odds) == (Decimal("11.35"), Decimal("3.51"))
    assert winner.extra == {"best_back_at_scheduled_off": 12.5}
    loser = runners["Maikrow"]
    assert (loser.saddle_number, loser.position, loser.placed, loser.final_odds) == (10, None, True, Decimal("18.50"))
    assert Runner.objects.filter(race=doomben, placed=True).count() == 3

    # After Sydney left daylight saving (6 April), "2:44:00 PM" is AEST, UTC+10: 12:44 in Perth.
    ascot = Race.objects.get(source_id="242124163")
    assert (ascot.meeting.date, ascot.meeting.racecourse.code) == (dt.date(2025, 4, 12), "BF-AUS-ascot")
    assert ascot.start_time == dt.datetime(2025, 4, 12, 4, 44, tzinfo=UTC)
    assert ascot.start_time.astimezone(ZoneInfo("Australia/Perth")).time() == dt.time(12, 44)


def test_an_anz_race_of_the_iso_files_reads_its_24_hour_clock_as_sydney_time(data_dir, tmp_path):
    # Ascot (Perth), 1 January 2025, R1 at "18:37:00": 15:37 in Perth, before sunset; read as
    # Perth time it would be 18:37 there, and the same card's last race long after dark.
    run(extract(data_dir / ANZ_DIR / "ANZ_Thoroughbreds_2025_01.csv", tmp_path / "jan.csv", "237704736"))

    race = Race.objects.get(source_id="237704736")
    assert race.meeting.date == dt.date(2025, 1, 1)
    assert race.start_time == dt.datetime(2025, 1, 1, 7, 37, tzinfo=UTC)
    assert race.start_time.astimezone(ZoneInfo("Australia/Perth")).time() == dt.time(15, 37)
    assert race.extra["place_market_id"] == "237704737"  # written "237704737.0" in this file


def test_a_uk_race_keeps_the_rated_price_and_its_name_and_drops_its_non_runner(data_dir, tmp_path):
    run(extract(data_dir / UK_DIR / UK[1], tmp_path / "uk.csv", "253097800"))

    race = Race.objects.get(source=Source.BETFAIR_UK_IE, source_id="253097800")
    assert (race.meeting.date, race.number) == (dt.date(2026, 1, 25), 6)
    assert race.meeting.racecourse.code == "BF-GBR-sedgefield"
    assert (race.distance, race.discipline, race.race_class) == (4023, "haies", "Hcap Hrd")  # 2m4f
    assert race.name == "Stockton RFC Womens & Girls Handicap Hurdle (Class G)"
    assert race.extra == {
        "market_name": "2m4f Hcap Hrd",
        "place_market_id": "253097801",
        "event_id": "35181751",
        "class": "G",
    }
    runners = runners_of("253097800")
    assert "Kates Choice" not in runners  # WIN_RESULT -1, no BSP: a non-runner
    # Saddles 1..6 by ascending selection id, whatever the result.
    by_saddle = sorted((r.saddle_number, int(r.horse.source_id)) for r in runners.values())
    assert [saddle for saddle, _ in by_saddle] == [1, 2, 3, 4, 5, 6]
    assert [selection for _, selection in by_saddle] == sorted(selection for _, selection in by_saddle)
    winner = runners["National Question"]
    assert (winner.saddle_number, winner.position, winner.placed) == (2, 1, True)
    assert (winner.rated_price, winner.final_odds, winner.final_place_odds) == (
        Decimal("5.61"),
        Decimal("4.80"),
        Decimal("2.28"),
    )
    placed = runners["Nellie Bluesky"]
    assert (placed.position, placed.placed, placed.rated_price) == (None, True, Decimal("14.09"))


def test_a_uk_racetime_is_australian_eastern_standard_time_all_year(data_dir, tmp_path):
    windsor = extract(data_dir / UK_DIR / UK[5], tmp_path / "may" / "uk.csv", "258261994")
    huntingdon = extract(data_dir / UK_DIR / UK[4], tmp_path / "april" / "uk.csv", "256181978", "256181985")
    run(windsor)
    run(huntingdon)

    # SOURCE.md's example: a Windsor 17:05 BST race shows as "2026-05-19 02:05:00".
    race = Race.objects.get(source_id="258261994")
    assert race.meeting.date == dt.date(2026, 5, 18)
    assert race.start_time == dt.datetime(2026, 5, 18, 16, 5, tzinfo=UTC)
    assert race.start_time.astimezone(ZoneInfo("Europe/London")).time() == dt.time(17, 5)
    # Huntingdon R4 "02:25" and R5 "03:00" on 5 April 2026 straddle Sydney's change of clock
    # (03:00 AEDT -> 02:00 AEST): on the Sydney clock they would be 95 minutes apart.
    r4, r5 = (Race.objects.get(source_id=market).start_time for market in ("256181978", "256181985"))
    assert (r4, r5 - r4) == (dt.datetime(2026, 4, 4, 16, 25, tzinfo=UTC), dt.timedelta(minutes=35))


def test_winners_who_dead_heat_both_get_position_1(data_dir, tmp_path):
    run(extract(data_dir / UK_DIR / UK[1], tmp_path / "uk" / "uk.csv", "252229393"))
    run(extract(data_dir / ANZ_DIR / "ANZ_Thoroughbreds_2025_01.csv", tmp_path / "anz" / "anz.csv", "238561705"))

    dead_heats = {"252229393": {"Three Socks On", "Aneirins Sword"}, "238561705": {"Scarletti", "Last Tremble"}}
    for market, names in dead_heats.items():
        winners = Runner.objects.filter(race__source_id=market, position=1)
        assert set(winners.values_list("horse__name", flat=True)) == names
        assert all(winner.dead_heat for winner in winners)
        assert not Runner.objects.filter(race__source_id=market, dead_heat=False, position__isnull=False).exists()


def test_an_anz_runner_listed_once_per_place_market_is_kept_once_from_the_settled_market(data_dir, tmp_path):
    out, _ = run(extract(data_dir / ANZ_DIR / "ANZ_Thoroughbreds_2025_02.csv", tmp_path / "feb.csv", "239195946"))

    assert "duplicate runner rows merged=7" in out
    runners = runners_of("239195946")
    assert len(runners) == 7
    assert Race.objects.get(source_id="239195946").extra["place_market_id"] == "239195947"
    assert (runners["Apache Breeze"].position, runners["Apache Breeze"].placed) == (1, True)
    assert runners["Oceans One"].final_place_odds == Decimal("2.24")
    assert Runner.objects.filter(placed=True).count() == 3


def test_a_folder_mixing_both_formats_writes_each_under_its_source_and_reimports_unchanged(data_dir, tmp_path):
    extract(data_dir / ANZ_DIR / ANZ_APRIL, tmp_path / "mixed" / "anz.csv", "241619292")
    extract(data_dir / UK_DIR / UK[2], tmp_path / "mixed" / "uk.csv", "253532098")  # a cross-country chase

    out, err = run(tmp_path / "mixed")

    assert "betfair_anz: races created=1 updated=0 unchanged=0 rejected=0" in out
    assert "betfair_uk_ie: races created=1 updated=0 unchanged=0 rejected=0" in out
    assert err == ""
    assert Race.objects.get(source=Source.BETFAIR_UK_IE).discipline == "cross"
    assert Race.objects.get(source=Source.BETFAIR_ANZ).source_id == "241619292"
    before = {source: counts(source) for source in (Source.BETFAIR_ANZ, Source.BETFAIR_UK_IE)}

    out, err = run(tmp_path / "mixed")

    assert "betfair_anz: races created=0 updated=0 unchanged=1 rejected=0" in out
    assert "betfair_uk_ie: races created=0 updated=0 unchanged=1 rejected=0" in out
    assert {source: counts(source) for source in before} == before


@pytest.mark.parametrize(
    "code, metres",
    [("5f", 1006), ("1m", 1609), ("2m", 3219), ("2m4f", 4023), ("1m2f110y", 2112), ("4m2f", 6840), ("7f", 1408)],
)
def test_uk_distance_codes_become_metres(code, metres):
    assert betfair.uk_distance(code) == metres


@pytest.mark.parametrize("code", ["", "2x", "m", "1m 2f", "12"])
def test_a_uk_distance_code_that_is_not_one_is_refused(code):
    with pytest.raises(RejectRace):
        betfair.uk_distance(code)


# -- bad input -----------------------------------------------------------------------------------


def test_a_file_with_a_broken_header_is_refused_and_nothing_is_written(data_dir, tmp_path):
    header, rows = real_rows(data_dir / UK_DIR / UK[1], ["252204751"])
    header[header.index("WIN_BSP")] = "BSP"
    write_csv(tmp_path / "folder" / "a_good.csv", *real_rows(data_dir / ANZ_DIR / ANZ_APRIL, ["241619292"]))
    write_csv(tmp_path / "folder" / "b_broken.csv", header, rows)

    with pytest.raises(CommandError, match=r"b_broken.csv: missing column.*WIN_BSP"):
        run(tmp_path / "folder")
    assert Race.objects.count() == 0  # the good file of the folder is not half-imported either


@pytest.mark.parametrize(
    "content, message",
    [
        ("DATE,TRACK,PRICE\n2025-01-01,Ascot,2.5\n", "not a Betfair ANZ"),
        (b"LOCAL_RACE_DATE,RATED_PRICE\n\xff\xfe\n", "cannot be read"),
    ],
)
def test_a_file_of_another_kind_is_refused(tmp_path, content, message):
    path = tmp_path / "other.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())

    with pytest.raises(CommandError, match=message):
        run(path)


def test_a_folder_without_csv_files_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"no .csv file"):
        run(tmp_path)


def _set(column: str, value: str, row: int = 1):
    def change(header: list[str], rows: list[list[str]]) -> None:
        rows[row][header.index(column)] = value

    return change


def _set_all(column: str, value: str):
    def change(header: list[str], rows: list[list[str]]) -> None:
        for row in rows:
            row[header.index(column)] = value

    return change


def _short_row(header: list[str], rows: list[list[str]]) -> None:
    del rows[1][10:]


@pytest.mark.parametrize(
    "file_name, markets, breakage, line, reason",
    [
        (UK[1], UK_MARKETS, _set("WIN_BSP", "abc"), 14, "WIN_BSP='abc' is not a number"),
        (UK[1], UK_MARKETS, _set("WIN_RESULT", "2.0"), 14, "WIN_RESULT='2.0' is not 1.0"),
        (UK[1], UK_MARKETS, _set("WIN_BSP", "1000000.0"), 14, "WIN_BSP='1000000.0' is above the exchange's highest"),
        (UK[1], UK_MARKETS, _set("RATED_PRICE", "1e30"), 14, "RATED_PRICE='1e30' is out of range"),
        (
            UK[1],
            UK_MARKETS,
            _set_all("WIN_MARKET_NAME", "2x Hcap"),
            13,
            "WIN_MARKET_NAME distance '2x' is not like 2m4f",
        ),
        (UK[1], UK_MARKETS, _set_all("COUNTRY_ID", "7.0"), 13, "COUNTRY_ID='7.0' is not 1 (GB) or 35 (IE)"),
        (ANZ_APRIL, ANZ_MARKETS, _set("TAB_NUMBER", "x"), 14, "TAB_NUMBER='x' is not a whole number"),
        (ANZ_APRIL, ANZ_MARKETS, _set("TAB_NUMBER", "1"), 13, "saddle number 1 appears more than once"),
        (
            ANZ_APRIL,
            ANZ_MARKETS,
            _set_all("LOCAL_MEETING_DATE", "31/04/2025"),
            13,
            "LOCAL_MEETING_DATE='31/04/2025' is not YYYY-MM-DD or D/MM/YYYY",
        ),
        (ANZ_APRIL, ANZ_MARKETS, _set("STATE_CODE", "ENG"), 14, "STATE_CODE='ENG' differs from 'QLD' on line 13"),
        (ANZ_APRIL, ANZ_MARKETS, _short_row, 14, "the row has 10 fields, the header 40"),
    ],
)
def test_a_malformed_race_is_rejected_whole_and_the_others_import(
    data_dir, tmp_path, file_name, markets, breakage, line, reason
):
    folder = ANZ_DIR if file_name == ANZ_APRIL else UK_DIR
    header, rows = real_rows(data_dir / folder / file_name, list(markets))
    position = header.index("WIN_MARKET_ID")
    first_market = [row for row in rows if row[position] == markets[0]]
    second_market = [row for row in rows if row[position] == markets[1]]
    others = [row for row in rows if row[position] == markets[2]]
    assert len(first_market) == 11  # so the broken market starts on line 13
    breakage(header, second_market)
    path = write_csv(tmp_path / "small.csv", header, first_market + second_market + others)

    out, err = run(path)

    assert "races created=2 updated=0 unchanged=0 rejected=1" in out
    assert f"rejected small.csv line {line} (market {markets[1]}): {reason}" in err
    assert sorted(Race.objects.values_list("source_id", flat=True)) == sorted([markets[0], markets[2]])


# -- UK/IE republished ratings -------------------------------------------------------------------


# A runner that lost Windsor R1 (market 9001) on 2 June 2026, rated 5.5 at BSP 6.0, as the UK/IE files write it.
UK_RUNNER = next(
    csv.DictReader(
        [
            "LOCAL_RACE_DATE,RACETIME,COUNTRY_ID,TRACK,EVENT_ID,WIN_MARKET_ID,PLACE_MARKET_ID,RACE_NAME,WIN_MARKET_NAME,"
            "RACE_NUMBER,SELECTION_ID,RUNNER_NAME,RATED_PRICE,WIN_BSP,WIN_RESULT,PLACE_BSP,PLACE_RESULT",
            "2026-06-02,2026-06-03 02:05:00,1.0,Windsor,1,9001,,Handicap (Class 5),6f Hcap,1,11,Horse 11,5.5,6.0,0.0,,",
        ]
    )
)


def uk_line(market: str, selection: str, **cells: str) -> str:
    """That runner's row as selection ``selection`` of race ``market`` (R2 for 9002), ``cells`` changed."""
    named = {
        "WIN_MARKET_ID": market,
        "RACE_NUMBER": market[-1],
        "SELECTION_ID": selection,
        "RUNNER_NAME": f"Horse {selection}",
    }
    return ",".join({**UK_RUNNER, **named, **cells}.values())


def write_uk(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "uk.csv"
    path.write_text("\n".join([",".join(UK_RUNNER), *lines]) + "\n", encoding="utf-8")
    return path


def test_a_rating_republished_in_a_later_row_replaces_the_earlier_is_counted_and_reimports_unchanged(tmp_path):
    path = write_uk(
        tmp_path,
        uk_line("9001", "11", RATED_PRICE="4.5", WIN_RESULT="1.0"),
        uk_line("9001", "12"),
        uk_line("9001", "11", RATED_PRICE="3.9", WIN_RESULT="1.0"),
        uk_line("9001", "12"),  # the very same row again: a plain repeat, not a new rating
        uk_line("9001", "11", RATED_PRICE="5.2", WIN_RESULT="1.0"),
    )

    out, err = run(path)

    assert "betfair_uk_ie: races created=1 updated=0 unchanged=0 rejected=0" in out
    assert "duplicate runner rows merged=1; republished ratings merged=2" in out
    assert err == ""
    runners = runners_of("9001")
    assert {name: runner.rated_price for name, runner in runners.items()} == {
        "Horse 11": Decimal("5.20"),  # the last published, neither the first nor the lowest
        "Horse 12": Decimal("5.50"),
    }
    assert (runners["Horse 11"].position, runners["Horse 11"].final_odds) == (1, Decimal("6.00"))

    out, err = run(path)

    assert "betfair_uk_ie: races created=0 updated=0 unchanged=1 rejected=0" in out
    assert "runners created=0 updated=0 deleted=0; horses created=0" in out
    assert "republished ratings merged=2" in out
    assert counts(Source.BETFAIR_UK_IE) == {"races": 1, "runners": 2, "horses": 2}
    assert runners_of("9001")["Horse 11"].rated_price == Decimal("5.20")


@pytest.mark.parametrize(
    "changed, columns",
    [
        ({"WIN_BSP": "7.4"}, "WIN_BSP"),
        ({"WIN_BSP": "7.4", "RATED_PRICE": "5.2"}, "WIN_BSP"),  # a new rating does not excuse a new BSP
        ({"WIN_RESULT": "1.0"}, "WIN_RESULT"),
        ({"PLACE_BSP": "2.6", "PLACE_RESULT": "1.0"}, "PLACE_BSP, PLACE_RESULT"),
        ({"RACETIME": "2026-06-03 02:40:00"}, "RACETIME"),
    ],
)
def test_a_runner_listed_again_with_more_than_its_rating_changed_rejects_its_race_alone(tmp_path, changed, columns):
    path = write_uk(
        tmp_path,
        uk_line("9001", "11", WIN_RESULT="1.0"),
        uk_line("9001", "12"),
        uk_line("9002", "21", WIN_RESULT="1.0"),
        uk_line("9001", "12", **changed),
        uk_line("9002", "22"),
    )

    out, err = run(path)

    assert "betfair_uk_ie: races created=1 updated=0 unchanged=0 rejected=1" in out
    reason = f"SELECTION_ID 12 is listed twice with different {columns} (also line 3)"
    assert err == f"rejected uk.csv line 5 (market 9001): {reason}\n"
    assert list(Race.objects.values_list("source_id", flat=True)) == ["9002"]
