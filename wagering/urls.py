from django.urls import path

from .views import backtests, bankroll, combinations, exports, history, limits, metrics, track_record, value_bets

urlpatterns = [
    path("courses/<str:code>/combinations", combinations.RaceCombinationsView.as_view(), name="race-combinations"),
    path(
        "courses/race/<str:race_id>/combinations",
        combinations.RaceByIdCombinationsView.as_view(),
        name="race-combinations-by-id",
    ),
    path("valuebets", value_bets.ValueBetsView.as_view(), name="valuebets"),
    path("backtest", backtests.BacktestView.as_view(), name="backtest"),
    path("backtests", backtests.BacktestsView.as_view(), name="backtests"),
    path("backtests/<str:job_id>", backtests.BacktestDetailView.as_view(), name="backtest-detail"),
    path("backtests/<str:job_id>/bets", backtests.BacktestBetsView.as_view(), name="backtest-bets"),
    path("metrics", metrics.MetricsView.as_view(), name="metrics"),
    path("export/csv", exports.ExportCsvView.as_view(), name="export-csv"),
    path("predictions/history", history.HistoryView.as_view(), name="predictions-history"),
    path("bets", bankroll.BetsView.as_view(), name="bets"),
    path("bets/summary", bankroll.BetSummaryView.as_view(), name="bets-summary"),
    path("bets/limits", limits.BettingLimitsView.as_view(), name="bets-limits"),
    path("bets/<str:bet_id>", bankroll.BetDetailView.as_view(), name="bet-detail"),
    path("track-record", track_record.TrackRecordView.as_view(), name="track-record"),
    path(
        "track-record/performance", track_record.TrackRecordPerformanceView.as_view(), name="track-record-performance"
    ),
    path("track-record/<str:day>", track_record.TrackRecordDayView.as_view(), name="track-record-day"),
]
