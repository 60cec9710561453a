"""The site ``bench/load.py`` serves: Turf's own settings and URLs, plus the framework's floor (``/bench/floor``)."""
