from django.urls import path

from . import views, views_backtests, views_bankroll

urlpatterns = [
    path("courses/<str:code>/predictions", views.RacePredictionsView.as_view(), name="race-predictions"),
    path("predictions/top3", views.Top3View.as_view(), name="predictions-top3"),
    path("predictions/all", views.AllPredictionsView.as_view(), name="predictions-all"),
    path("valuebets", views.ValueBetsView.as_view(), name="valuebets"),
    path("backtest", views.BacktestView.as_view(), name="backtest"),
    path("backtests", views_backtests.BacktestsView.as_view(), name="backtests"),
    path("backtests/<int:job_id>", views_backtests.BacktestDetailView.as_view(), name="backtest-detail"),
    path("backtests/<int:job_id>/bets", views_backtests.BacktestBetsView.as_view(), name="backtest-bets"),
    path("metrics", views.MetricsView.as_view(), name="metrics"),
    path("export/csv", views.ExportCsvView.as_view(), name="export-csv"),
    path("predictions/history", views_bankroll.HistoryView.as_view(), name="predictions-history"),
    path("bets", views_bankroll.BetsView.as_view(), name="bets"),
    path("bets/summary", views_bankroll.BetSummaryView.as_view(), name="bets-summary"),
    path("bets/<int:bet_id>", views_bankroll.BetDetailView.as_view(), name="bet-detail"),
]
