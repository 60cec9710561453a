"""The model page: the active version and the registry's history (``predictions.selectors.model_version_rows``, as
``GET /api/v1/models`` reads it), the quality of what was predicted before the
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
from courses.models import SYNTHETIC_SOURCES, Source
from predictions.selectors import model_version_active_row, model_version_rows
from turf.cache import answer_get, answer_set
from wagering.selectors import metrics_by_month, prediction_history
from wagering.serializers.history import HistoryParams

from ..views import _page

# The page's window when none is asked: a year of months up to yesterday.
MODEL_PAGE_DAYS = 365
# The registry's newest versions the page lists (the API, GET /api/v1/models, pages through them all).
MODEL_PAGE_VERSIONS = 30
SOURCE_NAMES = dict(Source.choices)


class ModelPageParams(HistoryParams):
    """The history's query (window, discipline, racecourse, page), its window a year by default."""

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate() - dt.timedelta(days=1)
        attrs.setdefault("start", end - dt.timedelta(days=MODEL_PAGE_DAYS - 1))
        attrs.setdefault("end", end)
        return super().validate(attrs)


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
    versions = model_version_rows()[: MODEL_PAGE_VERSIONS + 1]  # the API's rows: one definition
    for version in versions:  # each data set's code, its name on hover
        version["source_names"] = [(code, SOURCE_NAMES.get(code, code)) for code in version["sources"]]
    # The registry's one active version: among the newest, else read on its own.
    active = next((v for v in versions if v["active"]), None) or model_version_active_row()
    quality = _quality(start, end)
    context = {
        "active": active,
        "versions": versions[:MODEL_PAGE_VERSIONS],
        "older_versions": len(versions) > MODEL_PAGE_VERSIONS,
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
