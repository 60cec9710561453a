from django.urls import reverse
from rest_framework import serializers

from turf.params import DayParams, PageParams


class RaceListParams(DayParams, PageParams):
    FILTERS = ("all", "quinte", "trot", "plat", "obstacle")
    filter = serializers.ChoiceField(choices=FILTERS, default="all")


class RacecourseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()


class RaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the race's own id: `courses/race/{id}/predictions`, `race_id` of a bet")
    date = serializers.DateField(source="meeting.date")
    code = serializers.CharField(help_text="R{réunion}C{course}, e.g. R1C3: `courses/{code}/predictions?date=`")
    reunion = serializers.IntegerField(source="meeting.number")
    course = serializers.IntegerField(source="number")
    name = serializers.CharField()
    racecourse = RacecourseSerializer(source="meeting.racecourse")
    discipline = serializers.CharField()
    distance = serializers.IntegerField(help_text="metres")
    going = serializers.CharField()
    start_time = serializers.DateTimeField(allow_null=True)
    is_quinte = serializers.BooleanField()
    status = serializers.CharField()
    runners = serializers.IntegerField(source="runner_count", help_text="declared runners still running")
    prize = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    source = serializers.CharField()
    synthetic = serializers.BooleanField(source="is_synthetic", help_text="true for the generated demo programme")
    combinations_url = serializers.SerializerMethodField(
        help_text="a quinté+ race's most likely quinté+ tickets (premium): `courses/race/{id}/combinations`; "
        "null for other races (ask that endpoint with the bet type you play)"
    )

    def get_combinations_url(self, race) -> str | None:
        if not race.is_quinte:
            return None
        # The route is the wagering app's, reached by its name (courses imports no wagering).
        return reverse("race-combinations-by-id", kwargs={"race_id": race.pk}) + "?bet_type=quinte_desordre"


class FeedErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    at = serializers.DateTimeField()


class DataSourceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="the source: demo, pmu…")
    label = serializers.CharField()
    configured = serializers.BooleanField(help_text="the feed the schedule reads (TURF_FEED)")
    synthetic = serializers.BooleanField(help_text="true for the generated demo programme")
    last_success_at = serializers.DateTimeField(allow_null=True, help_text="the last fetch that succeeded")
    last_error = FeedErrorSerializer(allow_null=True, help_text="the last failure, null when none")
    races_today = serializers.IntegerField(help_text="the source's races on today's programme")
    pending_checks = serializers.IntegerField(help_text="scheduled checks not yet run")
    next_check_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(
        help_text="the configured feed is late: checks were due more than FEED_STALE_MINUTES ago and it has not "
        "succeeded since"
    )
    stale_since = serializers.DateTimeField(allow_null=True, help_text="the oldest unanswered check, when stale")


class SearchParams(PageParams):
    q = serializers.CharField(
        min_length=2,
        max_length=100,
        help_text="A name (or part of one), accents and case aside; a race also by today's address, e.g. R1C3",
    )
    type = serializers.ChoiceField(
        choices=("horse", "jockey", "trainer", "racecourse", "race"), required=False, help_text="one kind only"
    )

    def validate_q(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("must not contain NUL characters.")
        return value


class SearchItemSerializer(serializers.Serializer):
    """One match; the fields after ``name`` depend on its ``type``."""

    type = serializers.ChoiceField(choices=("horse", "jockey", "trainer", "racecourse", "race"))
    id = serializers.IntegerField(help_text="what `POST watchlist` takes with this type")
    name = serializers.CharField()
    birth_year = serializers.IntegerField(required=False, allow_null=True, help_text="horse")
    sex = serializers.CharField(required=False, help_text="horse")
    last_run = serializers.DateField(required=False, allow_null=True, help_text="horse: its last race's day")
    role = serializers.ChoiceField(choices=("jockey", "trainer"), required=False, help_text="jockey or trainer")
    country = serializers.CharField(required=False, help_text="racecourse")
    date = serializers.DateField(required=False, help_text="race")
    code = serializers.CharField(required=False, help_text="race: R1C3")
    racecourse = serializers.CharField(required=False, help_text="race: its racecourse's name")

    def to_representation(self, instance: dict) -> dict:
        # A field the item's type has no part in is left out, not sent as null.
        return {key: value for key, value in super().to_representation(instance).items() if key in instance}
