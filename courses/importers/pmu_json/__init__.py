"""Parse PMU turfinfo JSON (programme, participants, rapports définitifs) into race payloads.

A path is one programme file or a folder searched recursively. Files are recognised by what
they hold, not by their names: a programme (``{"programme": {"reunions": ...}}``) gives every
race of its day; a participants file (``{"participants": [{numPmu, idCheval...}]}``) and a
rapports file (a list of ``{typePari, rapports}``) carry no race id of their own, so each is
matched to one race of a programme of its folder — by a ``R1_C1``-style name where there is
one, always checked against the race's finishing order (``ordreArrivee``). A file that fits no
race, or several, is reported as ``Rejected`` rather than guessed. Performances-détaillées
files describe the runners' *past* races (other days, other fields): they are not imported.

``files`` finds and classifies the files, ``matching`` pairs them with their races, ``programme``
reads the courses of a programme and ``race``, ``participants`` and ``rapports`` build the payloads.

Units, per SOURCE.md and checked on the files: money in cents except race prizes (whole euros),
weights in hectograms, times and reductions kilométriques in ms, times as epoch ms + offset.
"""

from .files import PmuJson, classify, load_json, scan
from .race import build_race
from .rapports import build_dividends, dividend_amount

__all__ = ["PmuJson", "build_dividends", "build_race", "classify", "dividend_amount", "load_json", "scan"]
