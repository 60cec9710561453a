"""The runner rows the features read: one query, streamed into compact numpy columns.

A million runners fetched as Python tuples and handed to pandas at once take about 2 KB each
(a str per text cell, a date per row, the tuples themselves). Here the rows arrive in batches
of ``BATCH`` and each batch becomes columns before the next is read, so the tuples of only one
batch exist at a time; a text column holds one shared ``str`` per distinct value (a race's
status, source or going repeats on every runner), the date one shared ``date`` per day, and
only the musique, different on nearly every row, keeps a string per row. The frame is then
about 400 bytes a runner.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
from django.db.models import FloatField, Q, QuerySet
from django.db.models.fields.json import KT, KeyTextTransform
from django.db.models.functions import Cast

from courses.models import Runner

EPOCH = dt.date(1970, 1, 1)
BATCH = 20_000

# Query columns: (frame column, ORM expression or field path).
_FLOAT = FloatField()
COLUMNS: dict[str, object] = {
    "runner_id": "id",
    "race_id": "race_id",
    "horse_id": "horse_id",
    "jockey_id": "jockey_id",
    "trainer_id": "trainer_id",
    "saddle": "saddle_number",
    "draw_raw": "draw",
    "weight_raw": Cast("weight_kg", _FLOAT),
    "handicap_distance_raw": "handicap_distance",
    "age_raw": "age",
    "rating_raw": "rating",
    "earnings_raw": Cast("career_earnings", _FLOAT),
    "musique": "musique",
    "shoeing_raw": "shoeing",
    "equipment": "equipment",
    "morning_odds": Cast("morning_odds", _FLOAT),
    "final_odds": Cast("final_odds", _FLOAT),
    "rated_price": Cast("rated_price", _FLOAT),
    "status": "status",
    "position": "position",
    "placed_raw": "placed",
    "lengths_behind": Cast("lengths_behind", _FLOAT),
    "finish_time": Cast("finish_time", _FLOAT),
    "reduction_km": Cast("reduction_km", _FLOAT),
    "early_position": "early_position",
    "last_section_time": Cast("last_section_time", _FLOAT),
    "body_weight_raw": Cast(KT("extra__declared_weight_lb"), _FLOAT),
    "sex_raw": "horse__sex",
    "date": "race__meeting__date",
    "reunion": "race__meeting__number",
    "race_number": "race__number",
    "discipline_raw": "race__discipline",
    "distance": "race__distance",
    "going_raw": "race__going",
    "surface_raw": "race__surface",
    "class_raw": "race__race_class",
    # KT("race__extra__class") would apply the JSON path to the race_id column: join explicitly.
    "class_letter": KeyTextTransform("class", "race__extra"),
    "prize": Cast("race__prize", _FLOAT),
    "race_status": "race__status",
    "source": "race__source",
    "source_race_id": "race__source_id",
    "racecourse_id": "race__meeting__racecourse_id",
}
# Non-null integer columns; every other number is a float with NaN for a missing value.
_INTEGERS = ("runner_id", "race_id", "horse_id", "saddle", "reunion", "race_number", "distance", "racecourse_id")
_TEXTS = (
    "shoeing_raw",
    "equipment",
    "status",
    "sex_raw",
    "discipline_raw",
    "going_raw",
    "surface_raw",
    "class_raw",
    "class_letter",
    "race_status",
    "source",
    "source_race_id",
    "placed_raw",
)
_FLOATS = tuple(name for name in COLUMNS if name not in {*_INTEGERS, *_TEXTS, "musique", "date"})


def feature_rows_query(window: Q) -> tuple[list[str], QuerySet]:
    """(column names, the query of their rows as tuples): the runners matching ``window``, in programme order."""
    plain = {name: path for name, path in COLUMNS.items() if isinstance(path, str)}
    computed = {f"_{name}": expr for name, expr in COLUMNS.items() if not isinstance(expr, str)}
    queryset = Runner.objects.filter(window).annotate(**computed)
    names = list(COLUMNS)
    paths = [plain.get(name, f"_{name}") for name in names]
    order = ("race__meeting__date", "race__meeting__number", "race__number", "saddle_number")
    return names, queryset.order_by(*order).values_list(*paths)


def feature_rows_load(window: Q) -> pd.DataFrame:
    """The runners matching ``window`` with their race, horse and people columns (and ``day``).

    Two queries: the count, then the rows. Counted first, each column is allocated once at its
    size and filled batch by batch — batches joined at the end would hold every column twice.
    """
    names, query = feature_rows_query(window)
    size = query.count()
    data = {name: np.empty(size, dtype=_dtype(name)) for name in [*names, "day"]}
    shared: dict[str, dict] = {name: {} for name in (*_TEXTS, "date")}
    filled = 0
    rows = query.iterator(chunk_size=BATCH)
    while batch := list(itertools.islice(rows, BATCH)):
        at = slice(filled, filled + len(batch))
        filled = at.stop
        if filled > size:  # rows written since the count
            size = max(filled, 2 * size)
            data = {name: np.resize(column, size) for name, column in data.items()}
        columns = dict(zip(names, zip(*batch, strict=True), strict=True))
        del batch
        for name in _INTEGERS:
            data[name][at] = columns[name]
        for name in _FLOATS:
            data[name][at] = np.array(columns[name], dtype=float)  # None -> NaN
        for name in _TEXTS:
            codes, distinct = _shared(columns[name], shared[name])
            data[name][at] = distinct[codes]
        codes, distinct = _shared(columns["date"], shared["date"])
        data["date"][at] = distinct[codes]
        data["day"][at] = np.array([(day - EPOCH).days for day in distinct[:-1]], dtype=np.int64)[codes]
        data["musique"][at] = columns["musique"]  # the text of nearly every row differs: kept as it is
    frame: dict[str, np.ndarray | pd.Series] = {}
    for name in list(data):
        column = data.pop(name)
        frame[name] = column[:filled] if filled < size else column  # rows deleted since the count
        if name in (*_TEXTS, "musique") and name != "placed_raw":  # placed: True, False or None, always
            frame[name] = pd.Series(frame[name], copy=False).infer_objects()  # str where every value is text
    return pd.DataFrame(frame, copy=False)


def _dtype(name: str):
    return np.int64 if name in (*_INTEGERS, "day") else float if name in _FLOATS else object


def _shared(values: tuple, table: dict) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values): ``distinct[codes]`` is the column with one object per distinct value."""
    codes, distinct = pd.factorize(np.array(values, dtype=object))
    # A missing value has the code -1: the last entry, None (as the database gave it, not NaN).
    return codes, np.array([*(table.setdefault(value, value) for value in distinct), None], dtype=object)
