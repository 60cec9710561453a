"""The project-wide tests' fixtures: Stripe's local stub and the plans on sale (billing's)."""

from billing.tests.stripe_stub import plans_sold, stripe_stub  # noqa: F401  (fixtures)
