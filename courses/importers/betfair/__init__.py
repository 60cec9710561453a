"""Parser for the Betfair Data Scientists CSV files: ANZ thoroughbreds and the UK/IE model.

A path is one CSV file or a folder of them; each file's header says which of the two formats it
is, and so which source its races belong to (``files``). Each format has its own rules for what a
runner is (``anz``, ``uk``); the cells they share read the same way (``cells``).

Neither format has a finishing order: the winner(s) get position 1 (two winners = a dead heat),
the others none. Both SOURCE.md files are wrong about the clock of their start times; each
builder's docstring says what the data shows.
"""

from .cells import Dropped, racecourse_code
from .files import ANZ, SOURCES, UK, Scan, parse_file, scan
from .uk import uk_distance, uk_start_time

__all__ = [
    "ANZ",
    "SOURCES",
    "UK",
    "Dropped",
    "Scan",
    "parse_file",
    "racecourse_code",
    "scan",
    "uk_distance",
    "uk_start_time",
]
