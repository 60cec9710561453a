"""The public track record (``/track-record/``): the chain's head, the closed days, and how the frozen lines did
against the market — the real chain only; the synthetic demo's days are listed apart, labelled, never in the figures.
Open to anyone, through the plan gate as every page (the pages' own request limits)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from billing.exceptions import PlanRequired
from billing.gate import Page, gate_pass
from predictions.models import RecordChain, TrackRecordDay
from predictions.services.track_record import chain_days, day_lines
from turf.api import error_message
from turf.params import query_read
from turf.serializers import DayField
from wagering.services.track_record import day_results, record_performance

from ..responses import problem, refused

DAYS_SHOWN = 120


class ChainParams(serializers.Serializer):
    chain = serializers.ChoiceField(choices=RecordChain.values, default=RecordChain.REAL)


def _gate(request):
    try:
        return gate_pass(request, Page(required_feature=None), lambda: _chain(request)), None
    except serializers.ValidationError as exc:
        return None, problem(request, 400, _("That request could not be read"), error_message(exc.detail))
    except (PlanRequired, Throttled) as exc:
        return None, refused(request, exc)


def _chain(request) -> str:
    return query_read(ChainParams, request.GET, blank_is_default=True)["chain"]


def track_record(request):
    chain, refusal = _gate(request)
    if refusal is not None:
        return refusal
    days = list(chain_days(chain=chain)[:DAYS_SHOWN])
    performance = record_performance(chain=RecordChain.REAL) if chain == RecordChain.REAL else None
    context = {
        "chain": chain,
        "demo": chain == RecordChain.DEMO,
        "days": days,
        "head": days[0] if days else None,
        "performance": performance,
        "chart": _chart(performance) if performance and performance["races"] else None,
        "demo_days": TrackRecordDay.objects.filter(chain=RecordChain.DEMO).count(),
    }
    return render(request, "dashboard/track_record.html", context)


def _chart(performance: dict) -> dict:
    """The real record's log loss by month beside the market's and its reliability plot, in the shape the pro
    pages' charts read (``dashboard/static/dashboard/pro.js``)."""
    months, calibration = performance["by_month"], performance["calibration"]
    return {
        "months": [month["month"] for month in months],
        "model_log_loss": [month["log_loss"] for month in months],
        "market_log_loss": [month["market_log_loss"] for month in months],
        "model_brier": [],
        "market_brier": [],
        "predicted": [b["predicted"] for b in calibration],
        "observed": [b["observed"] for b in calibration],
        "counts": [b["count"] for b in calibration],
        "texts": {
            "model": _("Turf, as published"),
            "market": _("Market"),
            "observed": _("Observed"),
            "perfect": _("Perfect calibration"),
            "predicted": _("predicted"),
        },
    }


def track_record_day(request, day: str):
    chain, refusal = _gate(request)
    if refusal is not None:
        return refusal
    try:
        date = DayField().run_validation(day)
    except serializers.ValidationError as exc:
        return problem(request, 400, _("That day could not be read"), error_message(exc.detail))
    record = TrackRecordDay.objects.filter(chain=chain, day=date).first()
    if record is None:
        message = _("%(day)s is not in the record: not closed yet, or nothing was published.") % {"day": date}
        return problem(request, 404, _("No such day"), message)
    context = {"chain": chain, "demo": chain == RecordChain.DEMO, "record": record, "lines": day_lines(record)}
    context["results"] = day_results(record)
    return render(request, "dashboard/track_record_day.html", context)


urlpatterns = [
    path("track-record/", track_record, name="track-record"),
    path("track-record/<str:day>/", track_record_day, name="track-record-day"),
]
