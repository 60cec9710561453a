"""Start-up checks: every view that declares a ``required_feature`` names a feature plans can open, and asks
``PlanFeature`` about it.

Views in the apps below billing declare the feature by its code (a string: they do not import billing);
a misspelt code would refuse every call (the gate fails closed), and a view whose permissions leave
``PlanFeature`` out would let every plan in and count no quota, so both are caught here, at start-up and
in ``manage.py check``, rather than by a subscriber.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

from .models import Feature
from .permissions import PlanFeature


def _views(patterns, prefix: str = "") -> Iterator[tuple[str, type]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            if view is not None:
                yield prefix + str(pattern.pattern), view


@checks.register(checks.Tags.urls)
def feature_codes_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """billing.E001: a view's ``required_feature`` is not one of ``billing.models.Feature``; billing.E002: its
    permissions do not ask PlanFeature."""
    errors = []
    for route, view in _views(get_resolver().url_patterns):
        feature = getattr(view, "required_feature", None)
        if feature is not None and PlanFeature not in getattr(view, "permission_classes", ()):
            errors.append(
                checks.Error(
                    f"{view.__module__}.{view.__name__} (/{route}) requires the feature {feature!r} but its "
                    "permissions leave PlanFeature out: every plan would get in.",
                    hint="Keep PlanFeature in permission_classes (TurfAPIView has it).",
                    obj=view,
                    id="billing.E002",
                )
            )
        if feature is not None and feature not in Feature.values:
            errors.append(
                checks.Error(
                    f"{view.__module__}.{view.__name__} (/{route}) requires the feature {feature!r}, which no plan "
                    "can open.",
                    hint=f"Use one of: {', '.join(Feature.values)}.",
                    obj=view,
                    id="billing.E001",
                )
            )
    return errors
