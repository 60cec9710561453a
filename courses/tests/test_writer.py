"""The one writer every importer goes through: atomic, idempotent, R allocation, dead heats."""

import datetime as dt
from decimal import Decimal

import pytest

from courses.importers.payloads import Rejected, RejectRace
from courses.importers.run import import_races
from courses.importers.writer import RaceWriter
from courses.models import Dividend, Horse, Meeting, Race, Runner, Source
from courses.signals import results_written

from .factories import race_payload, runner_payload

pytestmark = pytest.mark.django_db


def test_it_creates_a_race_with_its_meeting_runners_and_rapports():
    writer = RaceWriter(Source.MANUAL)
    assert writer.write(race_payload()) == "created"
    race = Race.objects.get()
    assert race.code == "R1C1"
    assert race.runners.count() == 4
    assert race.dividends.get().amount == Decimal("3.10")
    assert Horse.objects.count() == 4


def test_a_second_write_of_the_same_race_changes_nothing():
    RaceWriter(Source.MANUAL).write(race_payload())
    before = list(Runner.objects.order_by("pk").values())
    outcome = RaceWriter(Source.MANUAL).write(race_payload())
    assert outcome == "unchanged"
    assert list(Runner.objects.order_by("pk").values()) == before
    assert Race.objects.count() == 1 and Dividend.objects.count() == 1


def test_a_changed_result_updates_the_race_in_place():
    RaceWriter(Source.MANUAL).write(race_payload(positions=(1, 2, 3, 4)))
    outcome = RaceWriter(Source.MANUAL).write(race_payload(positions=(2, 1, 4, 3)))
    assert outcome == "updated"
    positions = dict(Runner.objects.values_list("saddle_number", "position"))
    assert positions == {1: 2, 2: 1, 3: 4, 4: 3}


def test_shared_positions_are_flagged_as_dead_heats():
    RaceWriter(Source.MANUAL).write(race_payload(positions=(1, 2, 2, 4)))
    flags = dict(Runner.objects.values_list("saddle_number", "dead_heat"))
    assert flags == {1: False, 2: True, 3: True, 4: False}


def test_meetings_get_the_next_free_reunion_number_on_their_date():
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(source_id="a", course="VIN"))
    writer.write(race_payload(source_id="b", course="ENG"))
    writer.write(race_payload(source_id="c", course="VIN", number=2))
    numbers = dict(Meeting.objects.values_list("racecourse__code", "number"))
    assert numbers == {"VIN": 1, "ENG": 2}
    assert Race.objects.filter(meeting__number=1).count() == 2


def test_a_source_reunion_number_taken_by_another_racecourse_is_rejected():
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(source_id="a", course="VIN", meeting_number=1))
    with pytest.raises(RejectRace, match="R1 on 2025-11-05 is already another réunion"):
        writer.write(race_payload(source_id="b", course="ENG", meeting_number=1))


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda p: p.runners.append(runner_payload(1)), "saddle number 1 appears more than once"),
        (lambda p: setattr(p, "distance", 0), "distance"),
        (lambda p: setattr(p.runners[0], "final_odds", Decimal("0.5")), "below 1.0"),
        (lambda p: setattr(p.runners[0], "position", 0), "position 0"),
    ],
)
def test_it_rejects_a_malformed_race_whole(change, reason):
    payload = race_payload()
    change(payload)
    with pytest.raises(RejectRace, match=reason):
        RaceWriter(Source.MANUAL).write(payload)
    assert Race.objects.count() == 0
    assert Horse.objects.count() == 0


def test_a_rejected_race_leaves_the_others_imported():
    bad = race_payload(source_id="bad", number=2)
    bad.runners.append(runner_payload(1))
    items = [
        race_payload(source_id="good"),
        bad,
        Rejected("file.csv line 9", "no distance"),
        race_payload(source_id="good2", number=3),
    ]
    report = import_races(source=Source.MANUAL, items=items, progress=False)
    assert sorted(Race.objects.values_list("source_id", flat=True)) == ["good", "good2"]
    assert [r.location for r in report.rejected] == ["test bad", "file.csv line 9"]
    assert "created=2" in report.summary() and "rejected=2" in report.summary()


def test_a_horse_created_in_a_rejected_race_is_rolled_back_and_recreated_later():
    # The race passes validation but breaks the database (a clash on the race number).
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(source_id="first"))
    clash = race_payload(source_id="second")
    clash.runners[0].horse = clash.runners[0].horse.__class__(source_id="new-horse", name="New")
    with pytest.raises(RejectRace):
        writer.write(clash)
    assert not Horse.objects.filter(source_id="new-horse").exists()
    ok = race_payload(source_id="third", number=2)
    ok.runners[0].horse = ok.runners[0].horse.__class__(source_id="new-horse", name="New")
    writer.write(ok)
    assert Horse.objects.filter(source_id="new-horse").count() == 1


def test_runners_dropped_by_the_source_are_removed_on_update():
    RaceWriter(Source.MANUAL).write(race_payload(positions=(1, 2, 3, 4)))
    RaceWriter(Source.MANUAL).write(race_payload(positions=(1, 2, 3)))
    assert sorted(Runner.objects.values_list("saddle_number", flat=True)) == [1, 2, 3]


def test_dates_keep_their_own_reunion_numbering():
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(source_id="a", date=dt.date(2025, 1, 1)))
    writer.write(race_payload(source_id="b", date=dt.date(2025, 1, 2)))
    assert list(Meeting.objects.values_list("number", flat=True)) == [1, 1]


def test_a_rejected_race_adds_nothing_to_the_counts():
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(source_id="first"))
    bad = race_payload(source_id="second", number=2)
    bad.runners[0].horse = bad.runners[0].horse.__class__(source_id="new-horse", name="New")
    bad.runners[1].age = -1  # passes validation, refused by the database after the horse was inserted
    with pytest.raises(RejectRace):
        writer.write(bad)
    assert writer.counts.horses_created == 4
    assert writer.counts.runners["created"] == 4
    assert writer.counts.races["created"] == 1


@pytest.mark.parametrize("odds", ["1000000", "1e30"])
def test_a_value_too_large_for_its_column_rejects_the_race_not_the_import(odds):
    payload = race_payload()
    payload.runners[0].final_odds = Decimal(odds)
    report = import_races(source=Source.MANUAL, items=[payload, race_payload(source_id="ok", number=2)], progress=False)
    assert list(Race.objects.values_list("source_id", flat=True)) == ["ok"]
    assert len(report.rejected) == 1 and "plausible" in report.rejected[0].reason


@pytest.mark.parametrize("value", ["1e400", "99999999999999999999"])
def test_absurd_integers_are_a_clear_rejection(value):
    from courses.importers.rows import to_int

    with pytest.raises(RejectRace, match=r"not a whole number|out of range"):
        to_int(value, "distance")


def test_real_data_takes_its_reunion_number_from_a_synthetic_demo_meeting():
    RaceWriter(Source.DEMO).write(race_payload(source_id="demo-1", course="DEMO-VIN", meeting_number=1))
    RaceWriter(Source.DEMO).write(race_payload(source_id="demo-2", course="DEMO-CHA", meeting_number=2))
    outcome = RaceWriter(Source.PMU).write(race_payload(source_id="2025-11-05/R1/C1", course="PET", meeting_number=1))
    assert outcome == "created"
    numbers = dict(Meeting.objects.values_list("racecourse__code", "number"))
    assert numbers == {"PET": 1, "DEMO-CHA": 2, "DEMO-VIN": 3}
    assert Race.objects.get(source=Source.DEMO, source_id="demo-1").code == "R3C1"


def test_real_data_never_moves_another_real_source():
    RaceWriter(Source.PMU_CSV).write(race_payload(source_id="csv", course="ENG"))
    with pytest.raises(RejectRace, match="already another réunion"):
        RaceWriter(Source.PMU).write(race_payload(source_id="json", course="PET", meeting_number=1))


def test_a_source_without_reunion_numbers_does_not_store_a_real_race_twice():
    RaceWriter(Source.PMU).write(race_payload(source_id="2025-11-05/R1/C2", course="PET", meeting_number=1, number=2))
    writer = RaceWriter(Source.PMU_CSV)
    with pytest.raises(RejectRace, match="already race pmu:2025-11-05/R1/C2"):
        writer.write(race_payload(source_id="csv-2", course="PET", number=2))
    assert writer.write(race_payload(source_id="csv-9", course="PET", number=9)) == "created"
    assert Meeting.objects.count() == 1
    assert Race.objects.get(source_id="csv-9").code == "R1C9"


def test_a_listener_of_new_results_that_fails_does_not_fail_the_import(caplog):
    def broker_down(sender, **kwargs):
        raise ConnectionError("the broker is down")

    results_written.connect(broker_down, dispatch_uid="test.broker_down")
    try:
        report = import_races(source=Source.MANUAL, items=[race_payload(source_id="late")], progress=False)
    finally:
        results_written.disconnect(dispatch_uid="test.broker_down")
    assert report.races["created"] == 1 and Race.objects.filter(source_id="late").exists()
    assert "the broker is down" in caplog.text


def test_a_race_whose_runners_the_source_did_not_give_keeps_its_runners():
    RaceWriter(Source.MANUAL).write(race_payload())
    before = list(Runner.objects.order_by("pk").values())

    outcome = RaceWriter(Source.MANUAL).write(race_payload(positions=(), runners_known=False))

    assert outcome == "unchanged"
    assert list(Runner.objects.order_by("pk").values()) == before


def test_a_race_whose_rapports_the_source_did_not_give_keeps_its_rapports_and_placed_runners():
    first = race_payload()
    for runner in first.runners:
        runner.placed = runner.position <= 3
    RaceWriter(Source.MANUAL).write(first)

    unknown = race_payload(dividends_known=False)
    unknown.dividends = []
    outcome = RaceWriter(Source.MANUAL).write(unknown)

    assert outcome == "unchanged"
    assert Dividend.objects.get().amount == Decimal("3.10")
    assert dict(Runner.objects.values_list("saddle_number", "placed")) == {1: True, 2: True, 3: True, 4: False}


def test_no_runners_and_no_rapports_said_outright_still_clear_them():
    RaceWriter(Source.MANUAL).write(race_payload())

    empty = race_payload(positions=())
    empty.dividends = []
    RaceWriter(Source.MANUAL).write(empty)

    assert (Runner.objects.count(), Dividend.objects.count()) == (0, 0)


def test_results_official_is_written_when_the_source_says_and_kept_when_it_does_not():
    writer = RaceWriter(Source.MANUAL)
    writer.write(race_payload(results_official=True))
    assert Race.objects.get().results_official

    assert writer.write(race_payload()) == "unchanged"  # results_official None: not said
    assert Race.objects.get().results_official
    assert writer.write(race_payload(results_official=False)) == "updated"
    assert not Race.objects.get().results_official
