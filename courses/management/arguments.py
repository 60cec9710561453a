"""Command-line arguments the courses commands share."""

from __future__ import annotations

import argparse
import datetime as dt


def date_argument(value: str) -> dt.date:
    """An argparse ``type``: a day written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
