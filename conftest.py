"""Fixtures every app's tests share: personas and the real data sets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def data_dir() -> Path:
    """The real public data (../shared/data/raw). Missing: fail under CI, skip on a laptop."""
    path = Path(settings.TURF_DATA_DIR)
    if not path.is_dir():
        message = f"the real data sets are not at {path} (set TURF_DATA_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(email="staff@turf.test", password="s3cret-Staff!", is_staff=True,
                                                 is_superuser=True)


@pytest.fixture
def free_user(django_user_model):
    return django_user_model.objects.create_user(email="alice@turf.test", password="s3cret-Alice!")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(email="bob@turf.test", password="s3cret-Bob!")
