"""The same import run twice at once leaves exactly the rows of one run: the importers take turns batch by batch
(``courses.importers.run.IMPORT_LOCK``), so neither duplicates a horse nor fails on the other's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from courses.demo.generator import DemoGenerator
from courses.importers.run import import_races
from courses.models import Dividend, Horse, Jockey, Meeting, Race, Racecourse, Runner, Source, Trainer
from turf.tests.faults import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
MODELS = (Racecourse, Meeting, Race, Horse, Jockey, Trainer, Runner, Dividend)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _import(payloads: list) -> dict:
    report = import_races(source=Source.DEMO, items=iter(payloads), progress=False)
    assert not report.rejected, report.rejected
    return dict(report.races)


def test_the_same_import_twice_at_once_leaves_the_rows_of_one_run():
    today = timezone.localdate()
    payloads = [race.payload for race in DemoGenerator(seed=3, start=today - dt.timedelta(days=4), today=today).races()]
    assert len(payloads) > 20

    results = run_together(lambda: _import(payloads), lambda: _import(payloads))
    assert not [r for r in results if isinstance(r, Exception)], results
    twice = _counts()
    assert sorted(r.get("created", 0) for r in results) == [
        0,
        len(payloads),
    ]  # one run created them all, the other found them

    for model in (Meeting, Horse, Jockey, Trainer, Racecourse):  # cascades to races, runners and rapports
        model.objects.all().delete()
    assert sum(_counts().values()) == 0
    _import(payloads)
    assert _counts() == twice
