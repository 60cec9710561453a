# Turf: `make run` serves the product, `make test` runs the whole suite, `make dev` serves with runserver.
# All create .venv and install the pinned requirements themselves.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# One worker per core (pytest-xdist; at most 8), a test file's tests on one worker (its module fixtures built
# once); the slowest tests printed at the end: what to look at first when the suite nears its 15-minute budget.
PYTEST_ARGS ?= -n auto --maxprocesses=8 --dist loadfile --durations=25

.PHONY: run dev test lint format venv migrate demo static messages setup clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) is required (set PYTHON=...)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

static: venv
	$(PY) manage.py collectstatic --noinput --verbosity 0

# The French catalogue (locale/fr/LC_MESSAGES/django.po) compiled to its git-ignored .mo (gettext's msgfmt).
messages: venv
	$(PY) manage.py compilemessages --ignore=.venv --ignore=staticfiles --verbosity 0

# What `make run` and `make dev` do before serving. feed_day reads today's and tomorrow's programme from the live
# feed (TURF_FEED: the demo by default, PMU's API with TURF_FEED=pmu) and plans their checks; a feed that cannot
# be read does not stop the start ("-"): the schedule reads the programme again every 10 minutes until it can.
# warm_up before feed_day: the morning step publishes each race's morning prediction with the trained model.
setup: demo static messages
	$(PY) manage.py warm_up
	-$(PY) manage.py feed_day
	$(PY) manage.py ensure_staff

# exec: the process make starts becomes the supervisor (honcho, see turf/serve.py), so that a SIGTERM to it
# stops the web server, beat and the Celery worker together. HOST, PORT and the rest come from the environment.
run: setup
	exec $(PY) -m turf.serve

dev: setup
	exec $(PY) -m turf.serve --dev

test: venv messages
	$(PY) -m pytest $(PYTEST_ARGS)

# Lint and format check, as .ci/run runs them; `make format` rewrites the files.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
