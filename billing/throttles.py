"""Request limits (per minute and per day) as a DRF throttle: the plan's for a subscriber, the settings' per address."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from turf.cache import CacheUnavailable
from turf.errors import RateLimitUnavailable

from .selectors import RateState, user_request_limits
from .services import request_count

__all__ = ["AUTH_SCOPE", "PlanRateThrottle", "RateState", "rate_headers"]

# The throttle scope of the log-in, sign-up and refresh endpoints (API and pages): counted per address, apart
# from the other anonymous requests, with the API_RATE_AUTH limits.
AUTH_SCOPE = "auth"


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


def rate_headers(state: RateState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset),
        "X-RateLimit-Limit-Day": str(state.day_limit),
        "X-RateLimit-Remaining-Day": str(state.day_remaining),
    }
