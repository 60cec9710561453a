"""What courses announces to the apps above it, which it never imports.

``results_written`` is sent once an import has committed races of a ``source`` that were created or
changed (results among them): the wagering app settles subscribers' open bets on finished races.
"""

from django.dispatch import Signal

results_written = Signal()
