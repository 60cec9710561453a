"""The results beside a closed day of the public track record: per race, its status, the arrival and every rapport
(the rapports reader's lines), once known."""

from __future__ import annotations

from courses.models import SYNTHETIC_SOURCES, Race, RunnerStatus, race_code
from predictions.models import RecordChain, TrackRecordDay

from .rapports import race_rapports


def day_results(record: TrackRecordDay) -> list[dict]:
    """The races of ``record``'s lines, in the lines' order: status, arrival (saddle numbers by finishing position,
    dead heats sharing one), non-partants, and the rapports per 1 € as strings."""
    codes = list(dict.fromkeys(record.lines.order_by("position").values_list("race_code", flat=True)))
    races = Race.objects.filter(meeting__date=record.day).select_related("meeting")
    synthetic = {"source__in": SYNTHETIC_SOURCES}
    races = races.filter(**synthetic) if record.chain == RecordChain.DEMO else races.exclude(**synthetic)
    by_code = {race_code(race.meeting.number, race.number): race for race in races.prefetch_related("runners")}
    results = []
    for code in codes:
        race = by_code.get(code)
        if race is None:  # deleted since: the record keeps its lines, there is nothing to put beside them
            results.append({"race": code, "status": None, "arrival": [], "non_partants": [], "rapports": []})
            continue
        runners = list(race.runners.all())
        placed = sorted((r.position, r.saddle_number) for r in runners if r.position)
        results.append(
            {
                "race": code,
                "status": race.status,
                "arrival": [{"position": position, "saddle": saddle} for position, saddle in placed],
                "non_partants": sorted(r.saddle_number for r in runners if r.status == RunnerStatus.NON_PARTANT),
                "rapports": [
                    {
                        "bet_type": line["bet_type"],
                        "combination": line["combination"],
                        "amount": str(line["amount"]),
                    }
                    for line in race_rapports(race_id=race.pk)
                ],
            }
        )
    return results
