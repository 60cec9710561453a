"""Staff admin for subscribers' recorded bets and backtest jobs."""

from __future__ import annotations

from django.contrib import admin

from .models import BacktestJob, UserBet


@admin.register(UserBet)
class UserBetAdmin(admin.ModelAdmin):
    list_display = ["user", "runner", "bet_type", "stake", "odds", "status", "returned", "placed_at"]
    list_filter = ["status", "bet_type"]
    list_select_related = ["user", "runner__race__meeting", "runner__horse"]
    search_fields = ["user__email", "runner__horse__name"]
    raw_id_fields = ["user", "runner"]
    readonly_fields = ["placed_at", "settled_at"]


@admin.register(BacktestJob)
class BacktestJobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "status", "progress", "start", "end", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["owner"]
    search_fields = ["owner__email"]
    raw_id_fields = ["owner"]
    readonly_fields = ["params", "result", "error", "progress", "created_at", "started_at", "finished_at"]
