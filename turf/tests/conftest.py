"""The project-wide tests' fixtures: Stripe's local stub and the plans on sale (billing's)."""

from billing.tests.stripe_stub import plans_sold, stripe_stub  # noqa: F401  (fixtures)


def pytest_collection_modifyitems(items):
    """schemathesis's items of one test (one per operation of the schema) share the test's node id, told apart only by
    their names: each gets its own (``...[GET /api/v1/alerts]``), as pytest-xdist tells the tests of its workers apart
    by node id (without, it sends one operation and counts the rest as run)."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith(f"[{label}]"):
            item._id = item._id.with_params(label)  # pytest 9's structured node id (its str is ``nodeid``)
