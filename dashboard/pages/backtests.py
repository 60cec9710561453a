"""Backtests (pro): the strategy form, the user's jobs, a job's progress, charts, summary, bets and their CSV.

Over the API's own pieces: the strategy is validated by the API's serializer (``BacktestCreateSerializer``), the
job queued by its service (``backtest_job_submit``), the job shown as its serializer answers it; every page and
the progress poll pass the plan gate of ``/api/v1/backtests`` (``Feature.BACKTEST``). Another user's job is a 404.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from billing.models import Feature
from courses.models import SYNTHETIC_SOURCES, Discipline, Race
from predictions.csv_export import csv_lines
from turf.errors import Conflict, QueueUnavailable
from turf.params import PageParams
from wagering.gdpr import BACKTEST_BET_FIELDS
from wagering.models import BacktestBet, BacktestJob, BacktestStatus
from wagering.serializers.backtests import BacktestCreateSerializer, BacktestJobSerializer
from wagering.services.backtest import BET_TYPES, MODEL_RULES, SELECTIONS, STAKINGS
from wagering.services.backtest_jobs import backtest_job_submit

from ..responses import problem
from ..views import _page

# The CSV's columns: a bet's stored fields, as the account's data export lists them.
CSV_COLUMNS = BACKTEST_BET_FIELDS
SIDES = (("strategy", _("Your strategy")), ("favourite", _("Favourite")), ("random", _("Random")))


# What the form calls each code of the strategy's choices (the codes themselves are the engine's).
CHOICE_LABELS = {
    "value": _("Value bets"),
    "top_pick": _("The model's top pick of each race"),
    "odds_band": _("Every runner in an odds band (no model)"),
    "combinations": _("The most likely combinations (combined bets)"),
    "simple_gagnant": _("Simple gagnant"),
    "simple_place": _("Simple placé"),
    # The PMU's names (top_pick's couplé and trio: the model's top two / three as one ticket).
    "couple_gagnant": _("Couplé gagnant"),
    "couple_place": _("Couplé placé"),
    "couple_ordre": _("Couplé ordre"),
    "deux_sur_quatre": _("2sur4"),
    "trio": _("Trio"),
    "trio_ordre": _("Trio ordre"),
    "tierce_ordre": _("Tiercé ordre"),
    "tierce_desordre": _("Tiercé désordre"),
    "quarte_ordre": _("Quarté+ ordre"),
    "quarte_desordre": _("Quarté+ désordre"),
    "quarte_bonus": _("Quarté+ bonus"),
    "quinte_ordre": _("Quinté+ ordre"),
    "quinte_desordre": _("Quinté+ désordre"),
    "quinte_bonus4": _("Quinté+ bonus 4sur5"),
    "quinte_bonus3": _("Quinté+ bonus 3"),
    "multi": _("Multi en 4"),
    "flat": _("Flat stake"),
    "percent": _("A share of the bankroll"),
    "kelly": _("Kelly fraction, capped"),
}


def _strategy_described(strategy: dict) -> list[tuple[str, str]]:
    """The parameters that say something (what was set: empty lists and switches left off), as the form names them:
    its fields' labels and its choices' labels (a code the form does not know is shown as it is)."""
    fields = BacktestForm.base_fields
    described = []
    for name, value in strategy.items():
        if value in (None, [], False):
            continue
        field = fields.get(name)
        choices = dict(getattr(field, "choices", None) or ())
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(str(choices.get(item, item)) if choices else _plain(item) for item in values)
        described.append((str(field.label) if field is not None else name, shown))
    return described


def _plain(value) -> str:
    """A number as the pages write it (the reader's decimal separator), anything else as it is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True)
    return str(value)


def _choices(values) -> list[tuple[str, str]]:
    return [(str(value), CHOICE_LABELS.get(str(value), str(value))) for value in values]


class BacktestForm(forms.Form):
    """The strategy as the page's fields; read and validated by the API's ``BacktestCreateSerializer``.

    The fields here only parse what the browser sends; every rule (ranges, defaults, combinations) is the
    serializer's, and its errors are put beside the field they name."""

    # A date input reads and writes ISO dates whatever the page's language (a localised 05/12/2026 would show empty).
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    selection = forms.ChoiceField(label=_("Runners backed"), choices=_choices(SELECTIONS), initial="value")
    edge = forms.CharField(label=_("Minimum edge (value)"), required=False, initial="0")
    min_odds = forms.CharField(label=_("Minimum odds"), required=False)
    max_odds = forms.CharField(label=_("Maximum odds (odds band)"), required=False)
    discipline = forms.MultipleChoiceField(
        label=_("Disciplines"), choices=Discipline.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    racecourse = forms.CharField(
        label=_("Racecourse codes"), required=False, help_text=_("Comma-separated, e.g. VIN, ST; blank for all")
    )
    quinte_only = forms.BooleanField(label=_("Quinté+ races only"), required=False)
    bet_type = forms.ChoiceField(label=_("Bet type"), choices=_choices(BET_TYPES), initial="simple_gagnant")
    # An integer the serializer takes as a number (it refuses "3"); its range is the serializer's.
    combination_top_k = forms.IntegerField(
        label=_("Tickets a race (combinations: the k most likely)"),
        required=False,
        help_text=_("Blank: the most likely one, or every ticket over the minimum probability"),
    )
    combination_min_probability = forms.CharField(
        label=_("Minimum probability of a ticket (combinations)"), required=False, help_text=_("e.g. 0.05")
    )
    staking = forms.ChoiceField(label=_("Staking"), choices=_choices(STAKINGS), initial="flat")
    stake = forms.CharField(label=_("Stake a bet (flat)"), required=False, initial="1")
    fraction = forms.CharField(label=_("Fraction (percent, Kelly)"), required=False)
    cap = forms.CharField(label=_("Kelly cap (share of the bankroll)"), required=False, initial="0.05")
    bankroll = forms.CharField(label=_("Starting bankroll"), required=False, initial="100")
    model = forms.CharField(
        label=_("Predictions"),
        initial=MODEL_RULES[0],
        help_text=_("published, walk_forward, market, or a model version's name"),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {}
        for name, value in cleaned.items():
            if name == "racecourse":
                codes = [code.strip() for code in value.split(",") if code.strip()]
                if codes:
                    data[name] = codes
            elif name == "discipline":
                if value:
                    data[name] = list(value)
            elif name in ("start", "end"):
                data[name] = value.isoformat()
            elif isinstance(value, bool):
                data[name] = value
            elif value not in ("", None):
                data[name] = value.strip() if isinstance(value, str) else value
        self.serializer = BacktestCreateSerializer(data=data)
        if not self.serializer.is_valid():
            for name, errors in self.serializer.errors.items():
                messages = [str(error) for error in (errors if isinstance(errors, list) else [errors])]
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def submit(self, owner) -> BacktestJob:
        """Queue the validated strategy with the API's service."""
        data = self.serializer.validated_data
        return backtest_job_submit(
            owner=owner, strategy=self.serializer.strategy(), start=data["start"], end=data["end"]
        )


def synthetic_in(start, end) -> bool:
    """Whether the window holds races of the generated demo programme (the page says so, once)."""
    return Race.objects.filter(meeting__date__range=(start, end), source__in=SYNTHETIC_SOURCES).exists()


def _own_job(user, job_id: int) -> BacktestJob:
    job = BacktestJob.objects.filter(owner=user, pk=job_id).first()
    if job is None:
        raise Http404
    return job


def _drawdown(curve: list[dict], start: float) -> list[float]:
    """Below the best bankroll so far, after each bet (0 at a new high; negative below it)."""
    peak, out = start, []
    for point in curve:
        peak = max(peak, point["bankroll"])
        out.append(round(point["bankroll"] - peak, 2))
    return out


def _chart(answer: dict) -> dict:
    """What the page's script draws: the job's progress and, when done, its equity and drawdown."""
    curve = answer["equity_curve"] or []
    start = answer["summary"]["start_bankroll"] if answer["summary"] else None
    return {
        "status": answer["status"],
        "status_label": str(BacktestStatus(answer["status"]).label),
        "progress": answer["progress"],
        "labels": [point["date"] for point in curve],
        "equity": [point["bankroll"] for point in curve],
        "drawdown": _drawdown(curve, start) if start is not None else [],
        "start_bankroll": start,
        "texts": {"bankroll": gettext("Bankroll"), "drawdown": gettext("Drawdown")},
    }


def _results_context(job: BacktestJob, answer: dict, params: dict) -> dict:
    summaries = []
    if answer["summary"]:
        baselines = answer["baselines"] or {}
        by_side = {"strategy": answer["summary"], **baselines}
        summaries = [(label, by_side[side]) for side, label in SIDES if side in by_side]
    limit, offset = params["limit"], params["offset"]
    bets = list(BacktestBet.objects.filter(job=job).order_by("seq")[offset : offset + limit + 1])
    total = answer["summary"]["bets"] if answer["summary"] else 0
    return {
        "job": job,
        "answer": answer,
        "summaries": summaries,
        "bets": bets[:limit],
        "last_seq": bets[:limit][-1].seq if bets else None,
        "total": total,
        "previous_offset": max(offset - limit, 0) if offset else None,
        "next_offset": offset + limit if len(bets) > limit else None,
        "limit": limit,
    }


@_page(Feature.BACKTEST, PageParams)
def backtest_list(request, params, plan):
    end = timezone.localdate() - dt.timedelta(days=1)  # the API's default window: the last 30 days
    form = BacktestForm(request.POST or None, initial={"start": end - dt.timedelta(days=29), "end": end})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = form.submit(request.user)
            except Conflict as exc:  # too many jobs queued or running
                form.add_error(None, str(exc.detail))
            except QueueUnavailable as exc:  # kept, re-sent by beat: its page says it waits
                return redirect("dashboard:backtest", exc.extra["job"])
            else:
                return redirect("dashboard:backtest", job.pk)
        status = 400
    limit, offset = params["limit"], params["offset"]
    jobs = list(BacktestJob.objects.filter(owner=request.user).defer("result")[offset : offset + limit + 1])
    context = {
        "form": form,
        "jobs": jobs[:limit],
        "previous_offset": max(offset - limit, 0) if offset else None,
        "next_offset": offset + limit if len(jobs) > limit else None,
    }
    return render(request, "dashboard/pro/backtests.html", context, status=status)


@require_safe
@_page(Feature.BACKTEST, PageParams)
def backtest_detail(request, params, plan, job_id: int):
    try:
        job = _own_job(request.user, job_id)
    except Http404:
        return problem(request, 404, gettext("No such backtest"), gettext("You have no backtest %s.") % job_id)
    answer = BacktestJobSerializer(job).data
    context = {
        **_results_context(job, answer, params),
        "chart": _chart(answer),
        "synthetic": synthetic_in(job.start, job.end),
        "strategy": _strategy_described(answer["strategy"]),
    }
    return render(request, "dashboard/pro/backtest.html", context)


@require_safe
@_page(Feature.BACKTEST, PageParams)
def backtest_status(request, params, plan, job_id: int):
    """The job page's poll: its progress, and when it is done its charts' data and its results, rendered."""
    job = BacktestJob.objects.filter(owner=request.user, pk=job_id).first()
    if job is None:
        return JsonResponse({"error": "not_found"}, status=404)
    answer = BacktestJobSerializer(job).data
    body = _chart(answer)
    if answer["status"] in ("done", "failed"):
        body["html"] = render_to_string(
            "dashboard/pro/_backtest_results.html", _results_context(job, answer, params), request=request
        )
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@_page(Feature.BACKTEST, PageParams)
def backtest_csv(request, params, plan, job_id: int):
    """The job's settled bets, in order, as CSV (formula-like text neutralised)."""
    try:
        job = _own_job(request.user, job_id)
    except Http404:
        return problem(request, 404, gettext("No such backtest"), gettext("You have no backtest %s.") % job_id)
    if job.status != "done":
        return problem(request, 409, gettext("Not finished yet"), gettext("The bets are ready when it is done."))
    rows = BacktestBet.objects.filter(job=job).order_by("seq").values_list(*CSV_COLUMNS).iterator()
    response = StreamingHttpResponse(csv_lines(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="turf-backtest-{job.pk}.csv"'
    return response


urlpatterns = [
    path("backtests/", backtest_list, name="backtests"),
    path("backtests/<int:job_id>/", backtest_detail, name="backtest"),
    path("backtests/<int:job_id>/status", backtest_status, name="backtest-status"),
    path("backtests/<int:job_id>/csv", backtest_csv, name="backtest-csv"),
]
