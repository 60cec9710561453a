"""The model page: the active version and the registry's history, the quality of what was predicted before the
races month by month beside the market (``wagering.selectors.metrics_by_month``), its calibration, and the
prediction history with each race's log loss (``wagering.selectors.prediction_history``).

Opened by the plan that opens ``/api/v1/metrics`` (``Feature.METRICS``); the history's table by the plan that
opens ``/api/v1/predictions/history`` (``Feature.HISTORY``), else the page names the plan that does.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext

from billing.models import Feature
from billing.selectors import plan_list
from courses.models import SYNTHETIC_SOURCES
from predictions.models import ModelStatus, ModelVersion
from turf.cache import answer_get, answer_set
from wagering.selectors import metrics_by_month, prediction_history
from wagering.serializers.history import HistoryParams

from ..views import _page

# The page's window when none is asked: a year of months up to yesterday.
MODEL_PAGE_DAYS = 365


class ModelPageParams(HistoryParams):
    """The history's query (window, discipline, racecourse, page), its window a year by default."""

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate() - dt.timedelta(days=1)
        attrs.setdefault("start", end - dt.timedelta(days=MODEL_PAGE_DAYS - 1))
        attrs.setdefault("end", end)
        return super().validate(attrs)


def _held_out(version: ModelVersion) -> dict | None:
    """The version's own held-out figures beside the market's on the same priced races, when it was trained."""
    priced = (version.metrics or {}).get("validation", {}).get("priced_races", {})
    own = priced.get(version.kind)
    if not own:
        return None
    return {"model": own, "market": priced.get("market")}


def _chart(months: list[dict], calibration: list[dict]) -> dict:
    return {
        "months": [month["month"].strftime("%Y-%m") for month in months],
        "model_log_loss": [month["model"]["log_loss"] for month in months],
        "market_log_loss": [month["market"]["log_loss"] for month in months],
        "model_brier": [month["model"]["brier"] for month in months],
        "market_brier": [month["market"]["brier"] for month in months],
        "bins": [f"{b['low']:.0%}–{b['high']:.0%}" for b in calibration],
        "predicted": [b["predicted"] for b in calibration],
        "observed": [b["observed"] for b in calibration],
        "counts": [b["count"] for b in calibration],
        "texts": {
            "model": gettext("Model"),
            "market": gettext("Market"),
            "observed": gettext("Observed"),
            "perfect": gettext("Perfect calibration"),
            "predicted": gettext("predicted"),
        },
    }


def _quality(start: dt.date, end: dt.date) -> dict:
    """``metrics_by_month`` over the window, kept with the API's cached answers (``turf.cache``): the same for every
    subscriber, and stale once a writer of what it reads (an import, the scoring, the freezing) says so."""
    key = f"answer:model-page:{start.isoformat()}:{end.isoformat()}"
    generation, quality = answer_get(key)
    if quality is None:
        quality = metrics_by_month(start=start, end=end)
        if generation is not None:
            answer_set(key, generation, quality)
    return quality


@_page(Feature.METRICS, ModelPageParams)
def model(request, params, plan):
    start, end, limit, offset = params["start"], params["end"], params["limit"], params["offset"]
    versions = list(ModelVersion.objects.defer("artifact", "features"))
    active = next((v for v in versions if v.status == ModelStatus.ACTIVE), None)  # the registry's one active
    quality = _quality(start, end)
    context = {
        "active": active,
        "active_held_out": _held_out(active) if active else None,
        "versions": [(version, _held_out(version)) for version in versions],
        "quality": quality,
        "chart": _chart(quality["months"], quality["calibration"]),
        "start": start,
        "end": end,
        "history_open": plan.opens(Feature.HISTORY),
        "synthetic": not SYNTHETIC_SOURCES.isdisjoint(quality["sources"]),  # the window's finished races
    }
    if context["history_open"]:
        window = {"start": start.isoformat(), "end": end.isoformat()}
        window.update({name: params[name] for name in ("discipline", "racecourse") if params.get(name)})
        races = prediction_history(
            start=start, end=end, discipline=params.get("discipline"), racecourse=params.get("racecourse")
        )[offset : offset + limit + 1]
        context.update(
            history=races[:limit],
            previous_offset=max(offset - limit, 0) if offset else None,
            next_offset=offset + limit if len(races) > limit else None,
            limit=limit,
            pager_query="&" + urlencode(window),  # the window and filters the page was asked with
        )
    else:
        context["history_plan"] = next((p for p in plan_list() if p.opens(Feature.HISTORY)), None)
    return render(request, "dashboard/pro/model.html", context)


urlpatterns = [path("model/", model, name="model")]
