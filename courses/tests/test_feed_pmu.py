"""The live PMU feed against a local server replaying PMU's stored responses: a day fetched and written,
odds moving, a late non-partant, rapports arriving, a malformed answer, the source down."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from courses.feeds.pmu import PmuFeed
from courses.feeds.report import FeedUnavailable
from courses.importers.pmu_json import build_dividends
from courses.models import (
    Dividend,
    FeedResponse,
    FeedSource,
    Horse,
    Jockey,
    Meeting,
    OddsSnapshot,
    Race,
    Racecourse,
    RaceStatus,
    Runner,
    RunnerStatus,
    Trainer,
)
from courses.signals import races_changed

from .conftest import Answer, finished, morning, programme_path, race_path, shifted

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def fetch(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("fetch_pmu", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def race(code: str, day: dt.date = dt.date(2025, 11, 5)) -> Race:
    meeting, number = code[1:].split("C")
    return Race.objects.get(meeting__date=day, meeting__number=int(meeting), number=int(number))


def rows(day: dt.date = dt.date(2025, 11, 5)) -> dict:
    """Everything stored of a day, without row ids: races, runners (with horse and people), rapports."""
    races = Race.objects.filter(meeting__date=day)
    race_fields = ("name", "discipline", "distance", "going", "surface", "race_class", "prize", "currency")
    race_fields += ("start_time", "is_quinte", "status", "results_official", "declared_runners", "extra", "source_id")
    runner_fields = [f.name for f in Runner._meta.fields if f.name not in ("id", "race", "horse", "jockey", "trainer")]
    return {
        "races": sorted(
            (r.code, r.meeting.racecourse.code, *(getattr(r, f) for f in race_fields))
            for r in races.select_related("meeting__racecourse")
        ),
        "runners": sorted(
            (
                r.race.code,
                r.horse.source_id,
                r.horse.name,
                r.jockey and r.jockey.name,
                r.trainer and r.trainer.name,
                *(json.dumps(getattr(r, f), sort_keys=True, default=str) for f in runner_fields),
            )
            for r in Runner.objects.filter(race__in=races).select_related("race__meeting", "horse", "jockey", "trainer")
        ),
        "rapports": sorted(
            (d.race.code, d.bet_type, d.combination, d.amount, d.label)
            for d in Dividend.objects.filter(race__in=races).select_related("race__meeting")
        ),
    }


def stored_counts(replay) -> tuple[int, int, Counter]:
    reunions = replay.data("programme_05112025.json")["programme"]["reunions"]
    courses = Counter(r["numOfficiel"] for r in reunions for _ in r["courses"])
    return len(reunions), sum(courses.values()), courses


# -- the stored day ----------------------------------------------------------------------------------------


def test_fetch_pmu_imports_every_reunion_and_course_with_r1c1_runners_odds_and_rapports(replay):
    replay.stored_day()

    out, err = fetch("--date", "2025-11-05")

    reunions, courses, per_meeting = stored_counts(replay)
    assert (reunions, courses) == (9, 63)
    # 1 programme + 63 participants + 63 rapports (every race is run and its rapports published).
    assert f"races created={courses} updated=0 unchanged=0 rejected=0; odds snapshots=14; requests=127" in out
    assert f"not published yet={2 * (courses - 1)}" in out and err == ""
    assert Meeting.objects.filter(date="2025-11-05").count() == reunions
    assert Counter(Race.objects.values_list("meeting__number", flat=True)) == per_meeting
    r1c1 = race("R1C1")
    runners = {r.saddle_number: r for r in r1c1.runners.all()}
    assert len(runners) == 14
    assert (runners[3].morning_odds, runners[3].final_odds) == (Decimal("16.00"), Decimal("9.20"))
    assert runners[7].position == 1 and runners[7].placed is True
    expected = build_dividends(replay.data("rapports_R1_C1.json"), "rapports")
    assert r1c1.dividends.count() == len(expected) == 19
    assert r1c1.dividends.get(bet_type="simple_gagnant").amount == Decimal("3.10")
    assert (r1c1.status, r1c1.results_official) == (RaceStatus.FINISHED, True)
    # The other races are run too, but their participants and rapports are not in the replay.
    assert not race("R1C2").results_official and race("R1C2").status == RaceStatus.FINISHED
    # The odds are stamped by PMU 2 min 41 s after the off: snapshots at that time, not a morning line.
    stamp = dt.datetime(2025, 11, 5, 12, 14, 41, tzinfo=UTC)
    assert set(OddsSnapshot.objects.values_list("taken_at", "morning")) == {(stamp, False)}
    assert r1c1.odds_at == stamp
    assert FeedSource.objects.get(name="pmu").last_success_at is not None


def test_a_second_run_changes_nothing(replay):
    replay.stored_day()
    fetch("--date", "2025-11-05")
    before = rows(), list(OddsSnapshot.objects.values_list("pk", "taken_at", "odds")), race("R1C1").odds_at

    out, _ = fetch("--date", "2025-11-05")

    assert "races created=0 updated=0 unchanged=63 rejected=0; odds snapshots=0" in out
    assert (rows(), list(OddsSnapshot.objects.values_list("pk", "taken_at", "odds")), race("R1C1").odds_at) == before


def test_a_fetched_day_equals_the_same_day_imported_from_the_files(replay, pmu_dir, tmp_path):
    for name in ("programme_05112025.json", "participants_R1_C1.json", "rapports_R1_C1.json"):
        (tmp_path / name).write_bytes((pmu_dir / name).read_bytes())
    call_command("import_pmu", str(tmp_path), "--no-progress", stdout=StringIO(), stderr=StringIO())
    from_files = rows()
    assert len(from_files["runners"]) == 14 and len(from_files["rapports"]) == 19
    Race.objects.all().delete()
    for model in (Meeting, Horse, Jockey, Trainer, Racecourse):
        model.objects.all().delete()
    replay.stored_day()

    fetch("--date", "2025-11-05")

    assert rows() == from_files
    out = StringIO()
    call_command("import_pmu", str(tmp_path), "--no-progress", stdout=out, stderr=StringIO())
    assert "races created=0 updated=0 unchanged=63 rejected=0" in out.getvalue()


def test_a_day_is_written_again_from_the_archive_without_a_request(replay, settings, unused_port):
    replay.stored_day()
    fetch("--date", "2025-11-05")
    fetched = rows(), list(OddsSnapshot.objects.values_list("runner__horse__source_id", "taken_at", "odds"))
    last_success = FeedSource.objects.get(name="pmu").last_success_at
    Race.objects.all().delete()
    settings.PMU_API_URL = f"http://127.0.0.1:{unused_port}/rest/client"  # PMU down: no request can be made

    out, err = fetch("--date", "2025-11-05", "--from-archive")

    assert "races created=63 updated=0 unchanged=0 rejected=0; odds snapshots=14; requests=0" in out and err == ""
    replayed = rows(), list(OddsSnapshot.objects.values_list("runner__horse__source_id", "taken_at", "odds"))
    assert replayed == fetched
    assert FeedResponse.objects.count() == 127  # a replay adds nothing to the archive
    assert FeedSource.objects.get(name="pmu").last_success_at == last_success  # nor to the source's health


def test_the_turfia_samples_give_their_flat_race_with_runners_and_rapports(replay):
    day = dt.date(2026, 7, 7)
    replay.serve(programme_path(day), replay.file("turfia_fixtures/pmu_programme_echantillon.json"))
    replay.serve(race_path("participants", day=day), replay.file("turfia_fixtures/pmu_participants_echantillon.json"))
    replay.serve(
        race_path("rapports", day=day), replay.file("turfia_fixtures/pmu_rapports_definitifs_echantillon.json")
    )

    report = PmuFeed().programme(date=day)

    assert (report.races_created, report.rejected) == (2, [])
    assert sorted(report.not_published) == ["R1C2 participants", "R1C2 rapports"]
    r1c1 = race("R1C1", day)
    assert sorted(r1c1.runners.values_list("saddle_number", "draw")) == [(1, 6), (2, 4), (3, 1)]
    assert r1c1.dividends.get(bet_type="simple_gagnant", combination="4").amount == Decimal("1.40")
    assert report.official_race_ids == {r1c1.pk} and report.finished_race_ids == {r1c1.pk, race("R1C2", day).pk}


def test_fetch_pmu_archives_the_performances_when_asked(replay):
    replay.stored_day()

    out, _ = fetch("--date", "2025-11-05", "--performances")

    assert "requests=190" in out  # 63 more
    row = FeedResponse.objects.get(kind="performances", status_code=200)
    assert (row.race_code, row.size) == ("R1C1", len(replay.file("performances_R1_C1.json")))


def test_a_backfill_fetches_each_day_with_a_line_each_and_a_total(replay):
    replay.stored_day()

    out, _ = fetch("--start", "2025-11-04", "--end", "2025-11-06")

    lines = out.splitlines()
    assert [line[:10] for line in lines[:3]] == ["2025-11-04", "2025-11-05", "2025-11-06"]
    assert "not published yet=1" in lines[0] and "races created=63" in lines[1]
    assert lines[3].startswith("total, 3 days: pmu: races created=63") and "requests=129" in lines[3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "05/11/2025"), "is not a day"),
        (("--start", "2025-11-05", "--end", "2025-11-01"), "is before --start"),
        (("--start", "2025-11-05"), "give --date D, or --start D and --end D"),
        (("--date", "2025-11-05", "--end", "2025-11-06"), "either --date, or --start and --end"),
    ],
)
def test_fetch_pmu_refuses_bad_days(args, message):
    with pytest.raises(CommandError, match=message):
        fetch(*args)


# -- a day to come: the morning, the odds moving, a late non-partant, the results --------------------------


def a_moment_ago() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=30)


def hours_later() -> None:
    """The archived programme is from this morning, hours ago: too old to be reused for the results."""
    FeedResponse.objects.update(fetched_at=F("fetched_at") - dt.timedelta(hours=3))
    OddsSnapshot.objects.update(taken_at=F("taken_at") - dt.timedelta(hours=3))


@pytest.fixture
def live(replay):
    """Tomorrow's programme (the stored day moved on, nothing run yet) with R1C1's runners, fetched once."""
    day = timezone.localdate() + dt.timedelta(days=1)
    stored = replay.data("programme_05112025.json")
    participants = replay.data("participants_R1_C1.json")
    programme = shifted(stored, day)
    replay.serve(programme_path(day), programme)
    replay.serve(race_path("participants", day=day), morning(participants, stamp=a_moment_ago()))
    report = PmuFeed().programme(date=day)
    assert (report.races_created, report.snapshots) == (63, 14)

    class Live:
        pass

    live = Live()
    live.day, live.stored, live.participants, live.programme = day, stored, participants, programme
    live.race = race("R1C1", day)
    live.report = report
    return live


@pytest.fixture
def announced():
    calls = []

    def receiver(sender, race_ids, reason, **kwargs):
        calls.append((reason, race_ids))

    races_changed.connect(receiver)
    yield calls
    races_changed.disconnect(receiver)


def test_the_morning_fetch_keeps_each_runners_first_odds_as_the_morning_line(live):
    assert live.race.status == RaceStatus.SCHEDULED
    snapshots = OddsSnapshot.objects.filter(runner__race=live.race)
    assert snapshots.count() == 14 and all(s.morning for s in snapshots)
    assert live.report.changed_race_ids == {live.race.pk}  # its runners are new; the others have none yet
    assert live.race.odds_at is not None


def test_odds_moving_between_two_fetches_make_one_snapshot_per_moved_runner(live, replay, announced):
    replay.serve(
        race_path("participants", day=live.day), morning(live.participants, stamp=a_moment_ago(), n5=4.5, n7=2.8)
    )

    report = PmuFeed().race(race=live.race, results=False)

    assert (report.snapshots, report.races_updated, report.requests) == (2, 1, 1)  # the programme is archived
    assert report.changed_race_ids == {live.race.pk}
    assert announced == [("odds", [live.race.pk])]
    moved = OddsSnapshot.objects.filter(runner__race=live.race, morning=False).order_by("runner__saddle_number")
    assert [(s.runner.saddle_number, s.odds) for s in moved] == [(5, Decimal("4.50")), (7, Decimal("2.80"))]
    runner = live.race.runners.get(saddle_number=7)
    assert runner.final_odds == Decimal("2.80") and runner.odds_snapshots.count() == 2
    live.race.refresh_from_db()
    assert live.race.odds_at == moved[0].taken_at

    again = PmuFeed().race(race=live.race, results=False)

    assert (again.snapshots, again.races_unchanged, again.changed_race_ids) == (0, 1, set())


def test_a_late_non_partant_leaves_the_field(live, replay, announced):
    participants = morning(live.participants, stamp=a_moment_ago())
    withdrawn = next(r for r in participants["participants"] if r["numPmu"] == 4)
    withdrawn["statut"] = "NON_PARTANT"
    replay.serve(race_path("participants", day=live.day), participants)

    report = PmuFeed().race(race=live.race, results=False)

    assert live.race.runners.get(saddle_number=4).status == RunnerStatus.NON_PARTANT
    assert report.changed_race_ids == {live.race.pk} and report.snapshots == 0
    assert announced == [("odds", [live.race.pk])]


def test_rapports_not_published_then_published(live, replay):
    hours_later()
    run = finished(live.programme, live.stored, (1, 1), rapports=False)
    replay.serve(programme_path(live.day), run)
    replay.serve(race_path("participants", day=live.day), replay.file("participants_R1_C1.json"))

    first = PmuFeed().race(race=live.race, results=True)

    live.race.refresh_from_db()
    assert (live.race.status, live.race.results_official, live.race.dividends.count()) == (
        RaceStatus.FINISHED,
        False,
        0,
    )
    assert first.not_published == ["R1C1 rapports"] and first.finished_race_ids == {live.race.pk}
    assert first.official_race_ids == set() and first.requests == 3
    assert live.race.runners.get(saddle_number=7).position == 1

    replay.serve(programme_path(live.day), finished(live.programme, live.stored, (1, 1), rapports=True))
    replay.serve(race_path("rapports", day=live.day), replay.file("rapports_R1_C1.json"))

    second = PmuFeed().race(race=live.race, results=True)

    live.race.refresh_from_db()
    assert second.official_race_ids == {live.race.pk} and live.race.results_official
    assert live.race.dividends.count() == 19
    assert second.requests == 2  # participants and rapports: the programme fetched a moment ago is reused


def test_a_race_missing_from_the_programme_is_rejected(live, replay):
    hours_later()
    programme = json.loads(json.dumps(live.programme))
    programme["programme"]["reunions"][0]["courses"].pop(0)
    replay.serve(programme_path(live.day), programme)

    report = PmuFeed().race(race=live.race, results=True)

    assert [r.reason for r in report.rejected] == ["not in PMU's programme of that day"]


# -- what goes wrong ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"participants": [{"numPmu": 1, "nom": "CUT', "participants response not valid JSON"),
        (b'{"participants": [{"nom": "NO NUMBER"}]}', "participants response not a PMU participants response"),
        (
            b'{"participants": [{"numPmu": 1, "idCheval": "X", "nom": "X", "age": "old"}]}',
            "runner 1 age='old' is not a whole number",
        ),
    ],
)
def test_a_malformed_response_rejects_its_race_only_and_keeps_its_previous_state(replay, body, reason):
    replay.stored_day()
    fetch("--date", "2025-11-05")
    before = rows()
    replay.serve(race_path("participants"), Answer(body))

    out, err = fetch("--date", "2025-11-05")

    assert "races created=0 updated=0 unchanged=62 rejected=1" in out
    assert f"rejected PMU 2025-11-05 R1C1: {reason}" in err
    assert rows() == before  # R1C1 keeps its 14 runners, odds and rapports


def test_a_malformed_programme_is_the_source_unavailable(replay):
    replay.serve(programme_path(), Answer(b"<html>maintenance</html>"))

    with pytest.raises(CommandError, match="the PMU feed is unavailable: PMU programme of 05/11/2025: not valid JSON"):
        fetch("--date", "2025-11-05")

    assert Race.objects.count() == 0
    assert FeedResponse.objects.get().error.startswith("not valid JSON")
    assert "not valid JSON" in FeedSource.objects.get(name="pmu").last_error


def test_the_server_down_is_a_clear_error_and_nothing_changes(replay, settings, unused_port):
    replay.stored_day()
    fetch("--date", "2025-11-05")
    before = rows()
    settings.PMU_API_URL = f"http://127.0.0.1:{unused_port}/rest/client"

    with pytest.raises(CommandError) as failure:
        fetch("--date", "2025-11-05")

    message = str(failure.value)
    assert message.startswith("2025-11-05: the PMU feed is unavailable: PMU programme of 05/11/2025: no answer")
    assert "connection refused" in message and message.endswith("nothing was written")
    assert rows() == before
    source = FeedSource.objects.get(name="pmu")
    assert "connection refused" in source.last_error and source.last_success_at < source.last_error_at
    with pytest.raises(FeedUnavailable):
        PmuFeed().race(race=race("R1C1"), results=True)


def test_a_server_error_midway_writes_nothing(replay):
    replay.stored_day()
    replay.serve(race_path("participants", "R3/C2"), Answer(b"oops", status=503))

    with pytest.raises(CommandError, match=r"R3C2 05/11/2025: PMU answered HTTP 503 .* after 2 retries"):
        fetch("--date", "2025-11-05")

    assert Race.objects.count() == 0
    assert len(replay.requests(race_path("participants", "R3/C2"))) == 3
