"""The public track record: canonical lines, days closed in order into a hash chain, real and demo apart, and a
verification that finds the first day someone changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from courses.models import Race, RaceStatus, Source
from predictions.models import PublishedPrediction, RecordChain, TrackRecordDay, TrackRecordLine
from predictions.services.track_record import (
    BEFORE_THE_HEAD,
    EARLIER_OPEN,
    GENESIS,
    NOT_ALL_OFF,
    track_record_close,
    track_record_close_due,
    track_record_verify,
)

from .factories import DAY, model_version, publish, race_with

pytestmark = pytest.mark.django_db


def day_of(race_specs, date=DAY, version=None):
    version = version or model_version(f"published-{date}")
    for reunion, course in race_specs:
        publish(race_with(final=(2.0, 4.0, 8.0), date=date, reunion=reunion, course=course), (0.5, 0.3, 0.2), version)
    return version


def test_a_days_lines_are_canonical_sorted_and_hashed_as_documented():
    day_of([(1, 10), (1, 9), (2, 1)])
    closing = track_record_close(chain=RecordChain.REAL, day=DAY)
    record = closing.record
    lines = list(record.lines.order_by("position").values_list("text", flat=True))
    order = [(json.loads(line)["race"], json.loads(line)["saddle"]) for line in lines]
    assert order == [(race, saddle) for race in ("R1C9", "R1C10", "R2C1") for saddle in (1, 2, 3)]
    first = lines[0]
    assert " " not in first.replace("Horse ", "Horse_")  # no spaces but the horse's own name
    fields = json.loads(first)
    assert list(fields) == sorted(fields)
    assert fields["win_probability"] == "0.500000" and fields["odds"] == "2.00" and fields["race_status"] == "finished"
    assert fields["published_at"] == "2025-11-05T11:00:01+00:00" and fields["model_version"] == f"published-{DAY}"
    lines_hash = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert record.lines_hash == lines_hash and record.previous_day_hash == GENESIS
    assert record.day_hash == hashlib.sha256((GENESIS + lines_hash).encode()).hexdigest()
    assert (record.races, record.runners) == (3, 9)


def test_the_next_day_chains_to_the_first_and_days_close_in_order():
    next_day = DAY + dt.timedelta(days=1)
    day_of([(1, 1)])
    day_of([(1, 1)], date=next_day)
    early = track_record_close(chain=RecordChain.REAL, day=next_day)
    assert early.record is None and early.reason == EARLIER_OPEN  # the day before is not closed yet
    closings = track_record_close_due()
    assert [c.day for c in closings] == [DAY, next_day] and all(c.record for c in closings)
    first, second = TrackRecordDay.objects.order_by("day")
    assert second.previous_day_hash == first.day_hash
    assert track_record_close(chain=RecordChain.REAL, day=DAY).record == first  # closing again changes nothing
    assert TrackRecordDay.objects.count() == 2 and TrackRecordLine.objects.count() == 6


def test_a_day_before_the_chains_head_is_never_closed_behind_it():
    day_of([(1, 1)], date=DAY + dt.timedelta(days=1))
    assert track_record_close(chain=RecordChain.REAL, day=DAY + dt.timedelta(days=1)).record
    day_of([(1, 2)], date=DAY)  # published for an earlier day, found after the later one closed
    late = track_record_close(chain=RecordChain.REAL, day=DAY)
    assert late.record is None and late.reason == BEFORE_THE_HEAD
    assert track_record_verify(chain=RecordChain.REAL).ok


def test_a_day_stays_open_until_every_race_of_it_has_gone_off():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    publish(race_with(date=tomorrow, course=1), (0.5, 0.3, 0.2))
    race_with(date=tomorrow, course=2, status=RaceStatus.SCHEDULED, start_time=timezone.now() + dt.timedelta(hours=30))
    closing = track_record_close(chain=RecordChain.REAL, day=tomorrow)
    assert closing.record is None and closing.reason == NOT_ALL_OFF


def test_an_abandoned_race_stays_in_the_record_with_its_status():
    race = race_with(date=DAY, course=1)
    publish(race, (0.5, 0.3, 0.2))
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.CANCELLED)
    record = track_record_close(chain=RecordChain.REAL, day=DAY).record
    assert {json.loads(t)["race_status"] for t in record.lines.values_list("text", flat=True)} == {"cancelled"}


def test_the_demo_goes_to_its_own_chain_never_mixed_with_real_days():
    real = race_with(date=DAY, course=1)
    demo = race_with(date=DAY, course=2)
    Race.objects.filter(pk=demo.pk).update(source=Source.DEMO)
    publish(real, (0.5, 0.3, 0.2))
    publish(demo, (0.6, 0.3, 0.1), model_version("demo-1"))
    real_day = track_record_close(chain=RecordChain.REAL, day=DAY).record
    demo_day = track_record_close(chain=RecordChain.DEMO, day=DAY).record
    assert {json.loads(t)["race"] for t in real_day.lines.values_list("text", flat=True)} == {"R1C1"}
    assert {json.loads(t)["race"] for t in demo_day.lines.values_list("text", flat=True)} == {"R1C2"}
    assert demo_day.previous_day_hash == GENESIS  # a chain of its own


def _tamper(sql: str, params) -> None:
    """Edit the record behind the code's back (on PostgreSQL, past its append-only triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off for this transaction
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _two_closed_days():
    day_of([(1, 1)])
    day_of([(1, 1)], date=DAY + dt.timedelta(days=1))
    track_record_close_due()
    assert track_record_verify(chain=RecordChain.REAL).ok


def test_verification_finds_an_edited_line():
    _two_closed_days()
    line = TrackRecordLine.objects.filter(day__day=DAY).order_by("position").first()
    edited = line.text.replace('"win_probability":"0.500000"', '"win_probability":"0.900000"')
    _tamper("UPDATE predictions_trackrecordline SET text = %s WHERE id = %s", [edited, line.pk])
    result = track_record_verify(chain=RecordChain.REAL)
    assert not result.ok and result.first_bad == DAY and "lines" in result.problem
    with pytest.raises(CommandError, match=str(DAY)):
        call_command("track_record_verify", "--no-progress", stdout=StringIO(), stderr=StringIO())


def test_verification_finds_an_edited_day_hash():
    _two_closed_days()
    second = TrackRecordDay.objects.get(day=DAY + dt.timedelta(days=1))
    _tamper("UPDATE predictions_trackrecordday SET day_hash = %s WHERE id = %s", ["f" * 64, second.pk])
    result = track_record_verify(chain=RecordChain.REAL)
    assert not result.ok and result.first_bad == second.day and "day_hash" in result.problem


def test_the_command_reports_the_chains_head():
    _two_closed_days()
    out = StringIO()
    call_command("track_record_verify", "--no-progress", stdout=out, stderr=StringIO())
    head = TrackRecordDay.objects.order_by("-day").first().day_hash
    assert "2 days verified" in out.getvalue() and head in out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_a_closed_day():
    _two_closed_days()
    line = TrackRecordLine.objects.first()
    for sql, params in (
        ("UPDATE predictions_trackrecordline SET text = 'x' WHERE id = %s", [line.pk]),
        ("DELETE FROM predictions_trackrecordline WHERE id = %s", [line.pk]),
        ("DELETE FROM predictions_trackrecordday WHERE id = %s", [line.day_id]),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    # a race deleted later only unlinks its lines from the deleted rows: the record keeps them
    race = PublishedPrediction.objects.get(pk=line.published_id).runner.race
    race.delete()
    assert TrackRecordLine.objects.filter(pk=line.pk, published__isnull=True).exists()
    assert track_record_verify(chain=RecordChain.REAL).ok


def test_odds_are_fixed_to_two_places_and_a_missing_price_is_null():
    race = race_with(final=(2.5, None, 10.0), date=DAY)
    publish(race, (0.5, 0.3, 0.2))
    record = track_record_close(chain=RecordChain.REAL, day=DAY).record
    odds = [json.loads(t)["odds"] for t in record.lines.order_by("position").values_list("text", flat=True)]
    assert odds == ["2.50", None, "10.00"]
    assert Decimal(odds[0]) == Decimal("2.5")
