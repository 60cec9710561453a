"""Staff admin for the model registry and, read-only, the predictions the models made."""

from __future__ import annotations

from django.contrib import admin, messages

from turf.audit import request_address

from .models import ModelVersion, Prediction, PublishedPrediction
from .services.versions import model_version_activate


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "kind", "status", "rerun", "created_at", "promoted_at", "trained_until", "races_used"]
    list_filter = ["kind", "status", "rerun"]
    search_fields = ["version", "notes", "fingerprint"]
    # What the training wrote: its input's fingerprint says which retrain is a rerun, so it is not edited by hand.
    readonly_fields = ["created_at", "status", "fingerprint", "rerun", "promoted_at"]
    actions = ["activate"]

    @admin.action(description="Activate the selected version (retires the active one)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", level=messages.ERROR)
            return
        version = model_version_activate(
            model_version=queryset.get(), actor=request.user, address=request_address(request)
        )
        self.message_user(request, f"{version.version} is now the active model.", level=messages.SUCCESS)


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = [
        "race",
        "saddle_number",
        "horse",
        "model_version",
        "win_probability",
        "place_probability",
        "rank",
        "odds",
        "scored_at",
    ]
    list_filter = ["model_version", ("runner__race__meeting__date", admin.DateFieldListFilter)]
    list_select_related = ["model_version", "runner__horse", "runner__race__meeting__racecourse"]
    search_fields = ["runner__horse__name"]
    ordering = [
        "-runner__race__meeting__date",
        "runner__race__meeting__number",
        "runner__race__number",
        "model_version_id",
        "rank",
    ]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="race", ordering="runner__race__meeting__date")
    def race(self, obj: Prediction) -> str:
        race = obj.runner.race
        return f"{race.meeting.date:%Y-%m-%d} {race.code} {race.meeting.racecourse.name}"

    @admin.display(description="n°", ordering="runner__saddle_number")
    def saddle_number(self, obj: Prediction) -> int:
        return obj.runner.saddle_number

    @admin.display(description="horse", ordering="runner__horse__name")
    def horse(self, obj: Prediction) -> str:
        return obj.runner.horse.name


@admin.register(PublishedPrediction)
class PublishedPredictionAdmin(PredictionAdmin):
    """What was published before each race (morning, at the off): frozen, so read-only like the predictions."""

    list_display = [
        "race",
        "saddle_number",
        "horse",
        "stage",
        "model_version",
        "win_probability",
        "rank",
        "odds",
        "odds_at",
        "scored_at",
        "published_at",
    ]
    list_filter = ["stage", "model_version", ("runner__race__meeting__date", admin.DateFieldListFilter)]
    ordering = [
        "-runner__race__meeting__date",
        "runner__race__meeting__number",
        "runner__race__number",
        "stage",
        "rank",
    ]
