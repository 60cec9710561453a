"""The plan gate: the one path an API call and a data page take before any data is read.

``gate_pass`` runs the same steps in the same order for both (``turf.apiviews.TurfAPIView`` calls it for
every API view, ``dashboard.views`` for every page), each refusing with its own exception, which the
caller renders (the API in the error envelope, a page as the refusal page):

1. the request counts against its limits (``PlanRateThrottle``: the plan's, or the address's; a page's view,
   ``PageRateThrottle``: the pages' own, per person), refused requests included, so that nothing comes free by
   retrying: RateLimited past them (naming the plan and the reset); a subscriber's API call also counts on its
   endpoint's daily counter (``billing/usage`` lists them: they add up to the requests today);
   then a self-excluded user is refused the features that tell what to bet on (``billing.self_exclusion``):
   SelfExcluded;
2. the view's permissions; for a gated view ``PlanFeature``, whether the plan opens its
   ``required_feature``, asked before the query is read: NotAuthenticated, PlanRequired;
3. the query is read (``read_query``): its error, a 400, costs no quota;
4. one use of the feature's daily quota is counted: QuotaExceeded.

The cache round trips: the request's counters (minute, day, endpoint) in one; the quota, for a feature that has
one, in a second, after the query is read, since a throttled, refused or malformed call costs no quota (counting
it in the first would charge them all). The user and the plan were read with the user's snapshot
(``accounts.snapshot``), before the gate. An API call with a Bearer token reads them all ahead in a single round
trip (``gate_read_ahead``): the snapshot, the counters and what the view will read (its cached answer), so that
a subscriber's cached read costs one round trip to Redis in all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.authentication import SnapshotJWTAuthentication
from accounts.snapshot import snapshot_keys, user_snapshot
from turf.cache import read_ahead

from . import counters
from .permissions import PlanFeature
from .selectors import endpoint_label, user_counter_ident
from .self_exclusion import self_exclusion_check
from .services import endpoint_call_key, plan_quota_use
from .throttles import AUTH_SCOPE, PageRateThrottle, PlanRateThrottle

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """A server-rendered page's side of the gate, declared as an API view declares its own."""

    required_feature: str | None = None
    throttle_scope: str | None = None
    # A page's views count against the pages' own limits (``TURF_PAGE_RATE``), not the plan's API requests.
    rate_throttle: ClassVar[type[PlanRateThrottle]] = PageRateThrottle

    def get_permissions(self) -> list[BasePermission]:
        return [PlanFeature()] if self.required_feature else []


def gate_pass(request, view, read_query: Callable[[], T]) -> T:
    """Let one request to ``view`` (an API view or a ``Page``) through the plan gate; returns its read query."""
    throttle = getattr(view, "rate_throttle", PlanRateThrottle)()
    user = getattr(request, "user", None)
    if isinstance(view, Page) and user is not None and user.is_authenticated:
        snapshot_attach(user)
    also: tuple[str, ...] = ()
    if user is not None and user.is_authenticated and getattr(view, "throttle_scope", None) != AUTH_SCOPE:
        # Counted with the user's requests (the auth scope counts per address, apart), refused ones too: in the
        # same cache round trip as the limits.
        also = (endpoint_call_key(user=user, endpoint=_endpoint(request)),)
    allowed = throttle.allow_request(request, view, also=also)
    if not allowed:
        raise throttle.refusal(request, view)  # RateLimited: whose limit, when it resets
    self_exclusion_check(request, view)  # SelfExcluded: a self-excluded user's picks and value bets
    for permission in view.get_permissions():
        if not permission.has_permission(request, view):
            if not request.user.is_authenticated:
                raise NotAuthenticated()
            raise PermissionDenied(getattr(permission, "message", None))
    query = read_query()
    plan = getattr(request, "plan", None)  # left there by PlanFeature, the plan that opened the feature
    if view.required_feature and plan is not None:
        plan_quota_use(user=request.user, plan=plan, feature=view.required_feature)
    return query


def snapshot_attach(user) -> None:
    """A page's user (a row the session loaded) gets its snapshot (the gate does it for every page; a page outside
    the gate, like /account/, asks for it), as a Bearer token's user has it: the plan, its
    limits and the self-exclusions read from the cache (``accounts.snapshot``), not from their tables."""
    if getattr(user, "turf_snapshot", None) is None:
        snapshot = user_snapshot(user.pk)
        if snapshot is not None:
            user.turf_snapshot = snapshot


def gate_read_ahead(request, view, view_gets: Callable[[int], list[str]]) -> None:
    """Before an API call authenticates: read its user's snapshot and count its request counters (the minute, the
    day, the endpoint: what the gate counts for any authenticated call) in one cache round trip with what the
    view names (``view_gets(user_id)``), for the authentication, the gate and the view to find
    (``turf.cache.read_ahead``). Only for a valid Bearer access token (its user is the one the request
    authenticates as): anything else takes the usual round trips."""
    if getattr(view, "throttle_scope", None) == AUTH_SCOPE:
        return
    if not any(issubclass(cls, SnapshotJWTAuthentication) for cls in view.authentication_classes):
        return
    user_id = SnapshotJWTAuthentication.user_id(request)
    if user_id is None:
        return
    minute_key, day_key, _ = counters.rate_keys(user_counter_ident(user_id))
    hits = [
        (minute_key, counters.MINUTE_TTL),
        (day_key, counters.DAY_TTL),
        (counters.endpoint_key(user_id, _endpoint(request)), counters.DAY_TTL),
    ]
    read_ahead(gets=[*snapshot_keys(user_id), *view_gets(user_id)], hits=hits, what="read ahead")


def _endpoint(request) -> str:
    """The endpoint a request calls, as ``billing/usage`` names it: its method and its route."""
    match = getattr(request, "resolver_match", None)
    return endpoint_label(request.method, match.route if match is not None else request.path.lstrip("/"))
