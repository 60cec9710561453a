"""The test suite's environment, set before pytest-django loads the settings (``-p turf.pytest_env`` in
pytest.ini: a root conftest.py is read only after that).

The suite's own SECRET_KEY, so that a test run never writes the local key file (``.secret_key``) into the
repository; a SECRET_KEY already in the environment is kept.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "turf-test-suite-only-secret-key-" + "x" * 40)
