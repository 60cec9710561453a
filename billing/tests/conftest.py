"""Billing's fixtures: the Stripe stub (``billing.tests.stripe_stub``) and subscribers with a verified address."""

import pytest
from django.utils import timezone

from .stripe_stub import plans_sold, stripe_stub  # noqa: F401  (fixtures)


@pytest.fixture
def verified(free_user):
    """The free subscriber, with a verified e-mail address (checkout needs one)."""
    free_user.email_verified_at = timezone.now()
    free_user.save(update_fields=["email_verified_at"])
    return free_user
