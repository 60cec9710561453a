"""What predictions announces to the apps above it, which it never imports.

- ``races_rescored`` (``race_ids``) is sent once a scoring has committed new predictions for races still to come
  (the live day's rescoring, the nightly one): the alerts app compares the races' value bets and top picks.
"""

from django.dispatch import Signal

races_rescored = Signal()
