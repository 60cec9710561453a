"""Staff admin for the racing data: every change list is a fixed number of queries."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from .health import configured_feed, stale_since
from .models import (
    Dividend,
    FeedResponse,
    FeedSource,
    Horse,
    Jockey,
    Meeting,
    OddsSnapshot,
    Race,
    Racecourse,
    Runner,
    ScheduledCheck,
    Trainer,
)


@admin.register(Racecourse)
class RacecourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "source"]
    list_filter = ["country", "source"]
    search_fields = ["code", "name"]


class RaceInlineForMeeting(admin.TabularInline):
    model = Race
    fields = ["number", "name", "discipline", "distance", "is_quinte", "status", "source"]
    extra = 0
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "reunion", "racecourse", "source", "race_count"]
    list_filter = ["source", "racecourse__country", ("racecourse", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["racecourse"]
    search_fields = ["racecourse__name", "racecourse__code"]
    date_hierarchy = "date"
    autocomplete_fields = ["racecourse"]
    inlines = [RaceInlineForMeeting]
    ordering = ["-date", "number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("racecourse").annotate(_race_count=Count("races"))

    @admin.display(description="R", ordering="number")
    def reunion(self, obj: Meeting) -> str:
        return f"R{obj.number}"

    @admin.display(description="races", ordering="_race_count")
    def race_count(self, obj: Meeting) -> int:
        return obj._race_count


class RunnerInline(admin.TabularInline):
    model = Runner
    fields = [
        "saddle_number",
        "horse",
        "jockey",
        "trainer",
        "draw",
        "weight_kg",
        "handicap_distance",
        "morning_odds",
        "final_odds",
        "status",
        "position",
        "dead_heat",
    ]
    autocomplete_fields = ["horse", "jockey", "trainer"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("horse", "jockey", "trainer")


class DividendInline(admin.TabularInline):
    model = Dividend
    fields = ["bet_type", "combination", "amount", "label"]
    extra = 0


@admin.register(Race)
class RaceAdmin(admin.ModelAdmin):
    list_display = [
        "race_date",
        "code",
        "name",
        "racecourse",
        "discipline",
        "distance",
        "is_quinte",
        "status",
        "source",
    ]
    list_filter = [
        ("meeting__date", admin.DateFieldListFilter),
        "discipline",
        "status",
        "is_quinte",
        "source",
        ("meeting__racecourse", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["meeting", "meeting__racecourse"]
    search_fields = ["name", "meeting__racecourse__name", "meeting__racecourse__code", "source_id"]
    date_hierarchy = "meeting__date"
    autocomplete_fields = ["meeting"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RunnerInline, DividendInline]
    ordering = ["-meeting__date", "meeting__number", "number"]
    list_per_page = 50

    @admin.display(description="date", ordering="meeting__date")
    def race_date(self, obj: Race):
        return obj.meeting.date

    @admin.display(description="course", ordering="meeting__number")
    def code(self, obj: Race) -> str:
        return obj.code

    @admin.display(description="racecourse", ordering="meeting__racecourse__name")
    def racecourse(self, obj: Race) -> str:
        return obj.meeting.racecourse.name


@admin.register(Horse)
class HorseAdmin(admin.ModelAdmin):
    list_display = ["name", "sex", "birth_year", "country", "source", "source_id"]
    list_filter = ["sex", "source"]
    search_fields = ["name", "source_id"]


@admin.register(Jockey)
class JockeyAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "source_id"]
    list_filter = ["source"]
    search_fields = ["name", "source_id"]


@admin.register(Trainer)
class TrainerAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "source_id"]
    list_filter = ["source"]
    search_fields = ["name", "source_id"]


@admin.register(Runner)
class RunnerAdmin(admin.ModelAdmin):
    list_display = ["race", "saddle_number", "horse", "jockey", "trainer", "final_odds", "status", "position"]
    list_filter = ["status", "race__discipline", "race__source"]
    list_select_related = ["race", "race__meeting", "race__meeting__racecourse", "horse", "jockey", "trainer"]
    search_fields = ["horse__name", "jockey__name", "trainer__name"]
    autocomplete_fields = ["race", "horse", "jockey", "trainer"]
    show_full_result_count = False


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the feed wrote, shown as it is: staff read it, nobody edits it by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScheduledCheck)
class ScheduledCheckAdmin(admin.ModelAdmin):
    list_display = ["due_at", "kind", "race_label", "race_source", "done_at", "attempts", "outcome"]
    list_filter = ["kind", ("done_at", admin.EmptyFieldListFilter), "race__source"]
    list_select_related = ["race", "race__meeting", "race__meeting__racecourse"]
    search_fields = ["outcome", "race__name", "race__source_id"]
    date_hierarchy = "due_at"
    raw_id_fields = ["race"]
    readonly_fields = ["started_at", "attempts", "outcome", "done_at"]
    ordering = ["-due_at", "race_id", "kind"]
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description="race", ordering="race__meeting__date")
    def race_label(self, obj: ScheduledCheck) -> str:
        return f"{obj.race.meeting.date:%Y-%m-%d} {obj.race.code} {obj.race.meeting.racecourse.name}"

    @admin.display(description="source", ordering="race__source")
    def race_source(self, obj: ScheduledCheck) -> str:
        return obj.race.source


@admin.register(FeedSource)
class FeedSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "configured", "last_success_at", "last_error_at", "last_error", "stale"]

    @admin.display(boolean=True, description="configured (TURF_FEED)")
    def configured(self, obj: FeedSource) -> bool:
        return obj.name == configured_feed()

    @admin.display(boolean=True, description="stale (as health/data-sources)")
    def stale(self, obj: FeedSource) -> bool:
        return obj.name == configured_feed() and stale_since(obj.name, obj.last_success_at) is not None


@admin.register(FeedResponse)
class FeedResponseAdmin(ReadOnlyAdmin):
    list_display = ["fetched_at", "source", "kind", "date", "race_code", "status_code", "size", "error"]
    list_filter = ["source", "kind", "status_code"]
    search_fields = ["url", "race_code", "error"]
    date_hierarchy = "fetched_at"
    # The raw body (gzip) stays out of the pages: re-import it with the feed's replay, not by reading HTML.
    fields = ["source", "url", "kind", "date", "race_code", "fetched_at", "status_code", "size", "sha256", "error"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body")


@admin.register(OddsSnapshot)
class OddsSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["taken_at", "runner_label", "odds", "morning"]
    list_filter = ["morning", "runner__race__source"]
    list_select_related = ["runner", "runner__horse", "runner__race", "runner__race__meeting"]
    search_fields = ["runner__horse__name"]
    date_hierarchy = "taken_at"
    raw_id_fields = ["runner"]
    show_full_result_count = False

    @admin.display(description="runner")
    def runner_label(self, obj: OddsSnapshot) -> str:
        race = obj.runner.race
        return f"{race.meeting.date:%Y-%m-%d} {race.code} {obj.runner.saddle_number}. {obj.runner.horse.name}"
