"""Request limits (per minute and per day) as a DRF throttle: the plan's for a subscriber, the settings' per address;
the pages' own (``PageRateThrottle``), apart from the API's."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from turf.cache import CacheUnavailable
from turf.errors import RateLimitUnavailable

from .exceptions import RateLimited
from .selectors import RateState, plan_for_user, user_request_limits
from .services import request_count

__all__ = ["AUTH_SCOPE", "PAGE_SCOPE", "PageRateThrottle", "PlanRateThrottle", "RateState", "rate_headers"]

# The throttle scope of the log-in, sign-up and refresh endpoints (API and pages): counted per address, apart
# from the other anonymous requests, with the API_RATE_AUTH limits.
AUTH_SCOPE = "auth"
# The counters of the server-rendered pages' views (``PageRateThrottle``), apart from the API's.
PAGE_SCOPE = "page"


class PlanRateThrottle(BaseThrottle):
    """Count a request against its limits and refuse it past them; the state is left on ``request.rate_state``."""

    def allow_request(self, request, view, also: tuple[str, ...] = ()) -> bool:
        """``also``: the request's other counters (its endpoint's), counted in the same cache round trip."""
        ident, per_minute, per_day = self.limits(request, view)
        try:
            state = request_count(ident=ident, per_minute=per_minute, per_day=per_day, also=also)
        except CacheUnavailable:
            # The cache does not answer (logged by turf.cache). Password guessing stays limited: the auth scope
            # fails closed (503). The plans' and the anonymous request limits fail open: the request is served,
            # its headers showing the limits unspent (README, "When Redis does not answer").
            if getattr(view, "throttle_scope", None) == AUTH_SCOPE:
                raise RateLimitUnavailable() from None
            state = RateState(
                limit=per_minute, remaining=per_minute, reset=60, day_limit=per_day, day_remaining=per_day
            )
        request.rate_state = state
        self._wait = state.wait
        return state.wait is None

    def wait(self):
        return self._wait

    def limits(self, request, view) -> tuple[str, int, int]:
        """(counter identity, requests per minute, requests per day) that ``request`` to ``view`` counts against."""
        if getattr(view, "throttle_scope", None) == AUTH_SCOPE:
            # Whoever asks (a logged-in page visitor too): guessing passwords is limited per address.
            rate = settings.API_RATE_AUTH
            return f"{AUTH_SCOPE}:ip{self.get_ident(request)}", rate["minute"], rate["day"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limits = user_request_limits(user)
            if limits is not None:
                return limits
        rate = settings.API_RATE_ANON
        return f"ip{self.get_ident(request)}", rate["minute"], rate["day"]

    def refusal(self, request, view) -> RateLimited:
        """The 429 of a request past its limits: whose limits (the plan's, an address's), which one, when it
        resets (``Retry-After`` from its ``wait``)."""
        state: RateState = request.rate_state
        daily = state.wait != state.reset  # a day's limit waits until midnight, a minute's for the minute's end
        period, limit = ("day", state.day_limit) if daily else ("minute", state.limit)
        now = timezone.localtime()
        if daily:  # the day's counters are the local day's (billing.counters.day_window)
            resets_at = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        else:  # the minute's fixed window ends ``wait`` whole seconds from now
            resets_at = (now + dt.timedelta(seconds=state.wait)).replace(microsecond=0)
        user = getattr(request, "user", None)
        plan = plan_for_user(user) if user is not None and user.is_authenticated else None
        scope = getattr(view, "throttle_scope", None)
        when = f"it resets in {state.wait} s, at {resets_at:%H:%M:%S} ({resets_at.isoformat()})"
        if scope == AUTH_SCOPE:
            whose = f"An address may try {limit} times a {period} to log in, sign up or refresh a token"
        elif plan is not None:
            whose = f"The {plan.name} plan allows {limit} requests a {period}"
        else:
            whose = f"Without a plan (no token), an address may make {limit} requests a {period}"
        return RateLimited(
            f"{whose}; {when}.",
            wait=state.wait,
            plan=plan,
            limit=limit,
            period=period,
            resets_at=resets_at,
            scope=scope or "",
        )


class PageRateThrottle(PlanRateThrottle):
    """A page view's limits: ``TURF_PAGE_RATE`` per person (the user logged in, else the address), apart from the
    plan's request limits, which the API's calls count against; the log-in and sign-up POSTs keep the auth scope's.
    What the plan opens (and its daily quotas) stays the plan gate's, as for the API."""

    def allow_request(self, request, view, also: tuple[str, ...] = ()) -> bool:
        # Not counted on the endpoints' counters of ``billing/usage``: they add up to the plan's requests today.
        return super().allow_request(request, view)

    def limits(self, request, view) -> tuple[str, int, int]:
        if getattr(view, "throttle_scope", None) == AUTH_SCOPE:
            return super().limits(request, view)
        user = getattr(request, "user", None)
        who = f"u{user.pk}" if user is not None and user.is_authenticated else f"ip{self.get_ident(request)}"
        rate = settings.TURF_PAGE_RATE
        return f"{PAGE_SCOPE}:{who}", rate["minute"], rate["day"]

    def refusal(self, request, view) -> RateLimited:
        exc = super().refusal(request, view)
        if exc.scope != AUTH_SCOPE:
            exc.scope = PAGE_SCOPE
            yours = f" (you are on the {exc.plan.name} plan)" if exc.plan is not None else ""
            exc.detail = (
                f"These pages allow {exc.limit} views a {exc.period} per person{yours}, apart from the API's "
                f"limits; it resets in {exc.wait} s, at {exc.resets_at:%H:%M:%S}."
            )
        return exc


def rate_headers(state: RateState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset),
        "X-RateLimit-Limit-Day": str(state.day_limit),
        "X-RateLimit-Remaining-Day": str(state.day_remaining),
    }
