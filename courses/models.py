"""The racing data model: racecourses, réunions, courses, horses, people, runners, rapports.

Every row that comes from outside carries its ``source`` so that synthetic demo rows
(``source="demo"``) can never be mistaken for real ones. A race is addressed as
``R{n}-C{m}`` on a date: one race per (date, R, C) across every source.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    DEMO = "demo", "Synthetic demo (generated)"
    HKJC = "hkjc", "Hong Kong Jockey Club (Kaggle)"
    PMU = "pmu", "PMU (JSON)"
    PMU_CSV = "pmu_csv", "PMU trot attelé (CSV)"
    BETFAIR_ANZ = "betfair_anz", "Betfair Australia/NZ"
    BETFAIR_UK_IE = "betfair_uk_ie", "Betfair UK/Ireland"
    MANUAL = "manual", "Entered by staff"


SYNTHETIC_SOURCES = frozenset({Source.DEMO})


class Discipline(models.TextChoices):
    TROT_ATTELE = "trot_attele", "Trot attelé"
    TROT_MONTE = "trot_monte", "Trot monté"
    PLAT = "plat", "Plat"
    HAIES = "haies", "Haies"
    STEEPLE = "steeple", "Steeple-chase"
    CROSS = "cross", "Cross-country"


TROT_DISCIPLINES = frozenset({Discipline.TROT_ATTELE, Discipline.TROT_MONTE})
OBSTACLE_DISCIPLINES = frozenset({Discipline.HAIES, Discipline.STEEPLE, Discipline.CROSS})


class RaceStatus(models.TextChoices):
    """What the feed (or an import) last said of the race. Between ``scheduled`` and ``running`` the race
    is *off* when its start time has passed (``courses.clock.race_phase``)."""

    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running (off, no arrival yet)"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class RunnerStatus(models.TextChoices):
    RUNNER = "runner", "Runner"
    NON_PARTANT = "non_partant", "Non-partant"
    DISQUALIFIED = "disqualified", "Disqualified"
    FELL = "fell", "Fell"
    PULLED_UP = "pulled_up", "Pulled up / did not finish"


class Sex(models.TextChoices):
    MALE = "male", "Male (entire)"
    FEMALE = "female", "Female"
    GELDING = "gelding", "Gelding"
    UNKNOWN = "unknown", "Unknown"


class BetType(models.TextChoices):
    SIMPLE_GAGNANT = "simple_gagnant", "Simple gagnant"
    SIMPLE_PLACE = "simple_place", "Simple placé"
    COUPLE_GAGNANT = "couple_gagnant", "Couplé gagnant"
    COUPLE_PLACE = "couple_place", "Couplé placé"
    COUPLE_ORDRE = "couple_ordre", "Couplé ordre"
    DEUX_SUR_QUATRE = "deux_sur_quatre", "2sur4"
    TRIO = "trio", "Trio"
    TRIO_ORDRE = "trio_ordre", "Trio ordre"
    TIERCE_ORDRE = "tierce_ordre", "Tiercé ordre"
    TIERCE_DESORDRE = "tierce_desordre", "Tiercé désordre"
    QUARTE_ORDRE = "quarte_ordre", "Quarté+ ordre"
    QUARTE_DESORDRE = "quarte_desordre", "Quarté+ désordre"
    QUARTE_BONUS = "quarte_bonus", "Quarté+ bonus"
    QUINTE_ORDRE = "quinte_ordre", "Quinté+ ordre"
    QUINTE_DESORDRE = "quinte_desordre", "Quinté+ désordre"
    QUINTE_BONUS4 = "quinte_bonus4", "Quinté+ bonus 4sur5"
    QUINTE_BONUS3 = "quinte_bonus3", "Quinté+ bonus 3"
    MULTI = "multi", "Multi"
    PICK5 = "pick5", "Pick 5"
    OTHER = "other", "Other"


class Racecourse(models.Model):
    """A hippodrome. ``code`` is the PMU code where there is one (VIN, CHA, PET…)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=3, blank=True, help_text="ISO country code, e.g. FRA, HKG, GBR")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_synthetic(self) -> bool:
        return self.source in SYNTHETIC_SOURCES


class Meeting(models.Model):
    """A réunion: one racecourse on one date, numbered R1, R2… within the date."""

    date = models.DateField()
    number = models.PositiveSmallIntegerField(help_text="The réunion number R")
    racecourse = models.ForeignKey(Racecourse, on_delete=models.PROTECT, related_name="meetings")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["date", "number"], name="meeting_unique_date_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
        ]
        indexes = [models.Index(fields=["date", "racecourse"], name="meeting_date_course_idx")]

    def __str__(self) -> str:
        return f"R{self.number} {self.racecourse.name} {self.date:%Y-%m-%d}"


def race_code(reunion: int, course: int) -> str:
    """A race's PMU address from its réunion and course numbers: ``R1C3``. The only place that spells it."""
    return f"R{reunion}C{course}"


class Race(models.Model):
    """A course: ``R{meeting.number}C{number}`` on ``meeting.date``."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="races")
    number = models.PositiveSmallIntegerField(help_text="The course number C within its réunion")
    name = models.CharField(max_length=200, blank=True)
    discipline = models.CharField(max_length=20, choices=Discipline.choices)
    distance = models.PositiveIntegerField(help_text="metres")
    going = models.CharField(max_length=60, blank=True, help_text="Terrain / going, as the source says it")
    surface = models.CharField(max_length=20, blank=True, help_text="turf, dirt, sand, all-weather…")
    race_class = models.CharField(max_length=40, blank=True, help_text="Class, category or rating band")
    prize = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="Currency of the prize and rapports")
    start_time = models.DateTimeField(null=True, blank=True)
    is_quinte = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=RaceStatus.choices, default=RaceStatus.SCHEDULED)
    results_official = models.BooleanField(
        default=False, help_text="The arrival is official and the rapports définitifs are published"
    )
    odds_at = models.DateTimeField(
        null=True, blank=True, help_text="When the runners' latest odds (final_odds) were taken from the feed"
    )
    declared_runners = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_id = models.CharField(max_length=64, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="Source fields with no column of their own")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting__date", "meeting__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="race_unique_meeting_number"),
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="race_unique_source_id"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="race_number_positive"),
            models.CheckConstraint(condition=Q(distance__gt=0), name="race_distance_positive"),
        ]
        indexes = [models.Index(fields=["status", "discipline"], name="race_status_discipline_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.meeting.date:%Y-%m-%d} {self.name}".strip()

    @property
    def code(self) -> str:
        """The PMU address, e.g. ``R1C3``."""
        return race_code(self.meeting.number, self.number)

    @property
    def date(self):
        return self.meeting.date

    @property
    def is_synthetic(self) -> bool:
        return self.source in SYNTHETIC_SOURCES


class Horse(models.Model):
    name = models.CharField(max_length=120)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=3, blank=True)
    sire = models.CharField(max_length=120, blank=True)
    dam = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_id = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="horse_unique_source_id"
            )
        ]
        indexes = [models.Index(fields=["name"], name="horse_name_idx")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_id = models.CharField(max_length=120, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Jockey(Person):
    """A jockey, or the driver in trot attelé."""

    class Meta(Person.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="jockey_unique_source_id"
            )
        ]
        indexes = [models.Index(fields=["name"], name="jockey_name_idx")]


class Trainer(Person):
    class Meta(Person.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="trainer_unique_source_id"
            )
        ]
        indexes = [models.Index(fields=["name"], name="trainer_name_idx")]


class Runner(models.Model):
    """A horse declared in a race, with what was known before it and what happened in it.

    Pre-race: saddle number, draw, weight or handicap distance, people, morning odds,
    form (musique), earnings. Post-race (never a feature of its own race): final odds,
    status, position, time, lengths.
    """

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="runners")
    horse = models.ForeignKey(Horse, on_delete=models.PROTECT, related_name="runs")
    saddle_number = models.PositiveSmallIntegerField()
    draw = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Stall / corde")
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    handicap_distance = models.PositiveIntegerField(null=True, blank=True, help_text="Trot: metres started from")
    jockey = models.ForeignKey(Jockey, on_delete=models.PROTECT, null=True, blank=True, related_name="rides")
    trainer = models.ForeignKey(Trainer, on_delete=models.PROTECT, null=True, blank=True, related_name="runners")
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Official rating before the race")
    career_earnings = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Before the race, in the race currency"
    )
    musique = models.CharField(max_length=80, blank=True)
    shoeing = models.CharField(max_length=40, blank=True, help_text="Trot: déferré status")
    equipment = models.CharField(max_length=40, blank=True, help_text="Blinkers, gear")
    morning_odds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    final_odds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    final_place_odds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rated_price = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="A published model price (Betfair)"
    )
    status = models.CharField(max_length=14, choices=RunnerStatus.choices, default=RunnerStatus.RUNNER)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    dead_heat = models.BooleanField(default=False, help_text="Shares its position with another runner")
    placed = models.BooleanField(null=True, blank=True, help_text="Paid on the place pool (where known)")
    finish_time = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="seconds")
    reduction_km = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Trot: seconds per km"
    )
    lengths_behind = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # Sectionals (post-race, where the source times them): how the horse ran, its running style.
    early_position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Position at the first sectional call (1 = leading)"
    )
    last_section_time = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Time of the final section, seconds"
    )
    extra = models.JSONField(default=dict, blank=True, help_text="Source fields with no column of their own")

    class Meta:
        ordering = ["race", "saddle_number"]
        constraints = [
            models.UniqueConstraint(fields=["race", "saddle_number"], name="runner_unique_race_saddle"),
            models.UniqueConstraint(
                fields=["race", "position"],
                condition=Q(position__isnull=False, dead_heat=False),
                name="runner_unique_position_unless_dead_heat",
            ),
            models.CheckConstraint(condition=Q(saddle_number__gte=1), name="runner_saddle_positive"),
            models.CheckConstraint(
                condition=Q(position__isnull=True) | Q(position__gte=1), name="runner_position_positive"
            ),
            models.CheckConstraint(
                condition=Q(final_odds__isnull=True) | Q(final_odds__gte=1), name="runner_final_odds_at_least_1"
            ),
            models.CheckConstraint(
                condition=Q(morning_odds__isnull=True) | Q(morning_odds__gte=1),
                name="runner_morning_odds_at_least_1",
            ),
        ]
        indexes = [models.Index(fields=["horse", "race"], name="runner_horse_race_idx")]

    def __str__(self) -> str:
        return f"{self.saddle_number}. {self.horse}"


class Dividend(models.Model):
    """A rapport: what one winning combination paid per 1 unit staked (1 € for PMU)."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="dividends")
    bet_type = models.CharField(max_length=20, choices=BetType.choices)
    combination = models.CharField(max_length=60, help_text='Saddle numbers, e.g. "7" or "7-3-9"; "NP" = refund')
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Paid per 1 unit staked")
    label = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["race", "bet_type", "combination"]
        constraints = [
            models.UniqueConstraint(fields=["race", "bet_type", "combination"], name="dividend_unique_combination"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dividend_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_bet_type_display()} {self.combination}: {self.amount}"


class OddsSnapshot(models.Model):
    """A runner's odds as the feed showed them at one moment: the movement of the market before the off.

    Written by the feed only when the odds differ from the runner's previous snapshot.
    """

    runner = models.ForeignKey(Runner, on_delete=models.CASCADE, related_name="odds_snapshots", db_index=False)
    taken_at = models.DateTimeField(help_text="When the feed was read (or the time the source stamps the odds)")
    odds = models.DecimalField(max_digits=8, decimal_places=2, help_text="Decimal win odds, stake included")
    morning = models.BooleanField(default=False, help_text="The morning line (the first odds of the day)")

    class Meta:
        ordering = ["runner", "taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["runner", "taken_at"], name="oddssnapshot_unique_runner_time"),
            models.CheckConstraint(condition=Q(odds__gte=1), name="oddssnapshot_odds_at_least_1"),
        ]

    def __str__(self) -> str:
        return f"{self.runner_id} {self.taken_at:%H:%M}: {self.odds}"


class FeedResponse(models.Model):
    """One HTTP response of a live feed, archived raw (gzip) before it is parsed, so that any day can be
    re-imported or replayed after a parser fix. A request that got no response is archived too, with its error."""

    source = models.CharField(max_length=20, choices=Source.choices)
    url = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, blank=True, help_text="programme, participants, performances, rapports")
    date = models.DateField(null=True, blank=True, help_text="The programme day the request is about")
    race_code = models.CharField(max_length=10, blank=True, help_text="R1C3, for a race's endpoints")
    fetched_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="None: no response")
    body = models.BinaryField(blank=True, default=b"", help_text="The response body, gzip-compressed")
    size = models.PositiveIntegerField(default=0, help_text="Uncompressed body size in bytes")
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the uncompressed body")
    error = models.CharField(max_length=300, blank=True, help_text="Why no usable answer (timeout, 500, bad JSON)")

    class Meta:
        ordering = ["-fetched_at", "-id"]
        indexes = [
            models.Index(fields=["source", "fetched_at"], name="feedresponse_source_time_idx"),
            models.Index(fields=["source", "date", "race_code", "kind"], name="feedresponse_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.fetched_at:%Y-%m-%d %H:%M:%S} {self.status_code} {self.url}"


class CheckKind(models.TextChoices):
    ODDS = "odds", "Odds and non-partants before the off"
    OFF = "off", "The off: freeze what was published"
    RESULTS = "results", "Arrival and rapports définitifs"


class ScheduledCheck(models.Model):
    """One planned look at one race by the live feed (``courses.schedule``): the odds every few minutes in the
    hour before the off, the off itself, then the results until the rapports are published."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=10, choices=CheckKind.choices)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took it on (so no other runs it); cleared for a retry"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "race_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["race", "kind", "due_at"], name="scheduledcheck_unique_race_kind_due"),
        ]
        indexes = [models.Index(fields=["done_at", "due_at"], name="scheduledcheck_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.race_id} at {self.due_at:%H:%M}"


class FeedSource(models.Model):
    """A live source's freshness, for operators and users (``/api/v1/health/data-sources``)."""

    name = models.CharField(max_length=20, unique=True, choices=Source.choices)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name
