"""Backtests (pro): the reference strategy at once (``GET backtest``), and jobs: submit a strategy, follow
its progress, read its result and its bets.

A job belongs to the subscriber who submitted it: anyone else's job id is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.params import PageParams
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from .. import selectors
from ..models import BacktestBet, BacktestJob
from ..serializers import backtests as s
from ..services.backtest_jobs import backtest_job_submit


class BacktestView(TurfAPIView):
    required_feature = "backtest"
    query_params = s.BacktestParams

    @extend_schema(
        summary="Settled bets of the default strategy (value bets, flat stake) and their summary",
        description="Each race is bet with the prediction published before its off (at the odds it saw), else, "
        "for a race never live, with the latest model version trained before its day, whatever model is active "
        "now; `skipped` says which races were left out and why.",
        parameters=[s.BacktestParams],
        responses={
            200: page_of(
                "BacktestPage",
                s.BetSerializer(many=True),
                summary=s.BacktestSummarySerializer(),
                model_version=serializers.CharField(
                    help_text="published: each race with the prediction made before it (see versions and basis)"
                ),
                skipped=serializers.DictField(child=serializers.IntegerField(), help_text="races left out, by reason"),
                versions=serializers.DictField(
                    child=serializers.IntegerField(), help_text="races bet with each model version"
                ),
                basis=serializers.DictField(
                    child=serializers.IntegerField(),
                    help_text="races bet on the prediction published at their off (published) and on the "
                    "walk-forward one (walk_forward)",
                ),
                window=inline_serializer("Window", {"start": serializers.DateField(), "end": serializers.DateField()}),
                strategy=serializers.DictField(help_text="the reference strategy: value bets, flat stake"),
            )
        },
        tags=["backtest"],
    )
    def get(self, request):
        params = self.params
        result = selectors.backtest_run(
            start=params["start"], end=params["end"], min_odds=params["min_odds"], edge=params["edge"]
        )
        return page(
            result["bets"],
            params,
            serializer=s.BetSerializer,
            summary=result["summary"],
            model_version=result["model_version"],
            skipped=result["skipped"],
            versions=result["versions"],
            basis=result["basis"],
            window={"start": params["start"].isoformat(), "end": params["end"].isoformat()},
            strategy={
                "bet_type": "simple_gagnant",
                "selection": "value bets",
                "edge": params["edge"],
                "min_odds": params["min_odds"],
                "staking": "flat 1",
            },
        )


JOB_ID = id_parameter("job_id")


def _own_job(user, job_id: str, *fields: str) -> BacktestJob:
    jobs = BacktestJob.objects.filter(owner=user, pk=path_id("job_id", job_id))
    job = (jobs.only(*fields) if fields else jobs).first()
    if job is None:
        raise NotFound(f"No backtest {job_id}.")
    return job


class BacktestsView(TurfAPIView):
    required_feature = "backtest"
    query_params = PageParams

    @extend_schema(
        summary="Run a strategy over past races (asynchronous)",
        description="Validates the strategy and queues the job: 202 with its id; follow it at "
        "`/backtests/{id}`. Each race is bet with the prediction published before its off, else (a race "
        "never live) walk-forward, with the predictions of the latest model version trained before it.",
        request=s.BacktestCreateSerializer,
        responses={
            202: s.BacktestJobSerializer,
            409: OpenApiResponse(description="Too many of your backtests are queued or running."),
        },
        tags=["backtest"],
    )
    def post(self, request):
        data = s.BacktestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = backtest_job_submit(
            owner=request.user,
            strategy=data.strategy(),
            start=data.validated_data["start"],
            end=data.validated_data["end"],
        )
        job.refresh_from_db()  # in the embedded mode (eager Celery) it has already run
        return Response(s.BacktestJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Your backtests, newest first (without their results)",
        parameters=[PageParams],
        responses={200: page_of("BacktestJobPage", s.BacktestJobSerializer(many=True))},
        tags=["backtest"],
    )
    def get(self, request):
        params = self.params
        jobs = BacktestJob.objects.filter(owner=request.user).defer("result")
        return page(jobs, params, serializer=s.BacktestJobSerializer, context={"brief": True})


class BacktestDetailView(TurfAPIView):
    required_feature = "backtest"

    @extend_schema(
        summary="A backtest's status and progress; when done, its summary, baselines and equity curve",
        parameters=[JOB_ID],
        responses={200: s.BacktestJobSerializer},
        tags=["backtest"],
    )
    def get(self, request, job_id: str):
        return Response(s.BacktestJobSerializer(_own_job(request.user, job_id)).data)


class BacktestBetsView(TurfAPIView):
    required_feature = "backtest"
    query_params = PageParams

    @extend_schema(
        summary="A finished backtest's settled bets, in order",
        parameters=[JOB_ID, PageParams],
        responses={
            200: page_of(
                "BacktestBetPage",
                s.BacktestBetSerializer(many=True),
                job=inline_serializer(
                    "BacktestJobStatus",
                    {"id": serializers.IntegerField(), "status": s.BacktestJobSerializer().fields["status"]},
                ),
            )
        },
        tags=["backtest"],
    )
    def get(self, request, job_id: str):
        params = self.params
        job = _own_job(request.user, job_id, "id", "status")
        bets = BacktestBet.objects.filter(job=job).order_by("seq")
        return page(bets, params, serializer=s.BacktestBetSerializer, job={"id": job.pk, "status": job.status})
