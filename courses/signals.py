"""What courses announces to the apps above it, which it never imports.

- ``results_written`` (``source``) is sent once an import has committed races of a ``source`` that were
  created or changed (results among them): the wagering app settles subscribers' open bets on finished races.
- ``races_changed`` (``race_ids``, ``reason``) is sent by the live feed after it committed new programme,
  odds or non-partant data for races that have not gone off: the predictions app rescores them.
- ``races_off`` (``race_ids``) is sent when races reach their off: the predictions app freezes what it
  published for them.
"""

from django.dispatch import Signal

results_written = Signal()
races_changed = Signal()
races_off = Signal()
