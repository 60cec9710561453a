"""Per-plan request limits (per minute and per day) as a DRF throttle."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from .selectors import RateState, user_request_limits
from .services import request_count

__all__ = ["ANON_PER_DAY", "ANON_PER_MINUTE", "PlanRateThrottle", "RateState", "rate_headers"]

# Visitors without a token (health, docs, register, login) share limits per IP address.
ANON_PER_MINUTE = 30
ANON_PER_DAY = 2_000


class PlanRateThrottle(BaseThrottle):
    """Refuse a request past the plan's per-minute or per-day limit; remember the state for the headers."""

    def allow_request(self, request, view) -> bool:
        ident, per_minute, per_day = self.limits(request)
        state = request_count(ident=ident, per_minute=per_minute, per_day=per_day)
        request.rate_state = state
        self._wait = state.wait
        return state.wait is None

    def wait(self):
        return self._wait

    def limits(self, request) -> tuple[str, int, int]:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limits = user_request_limits(user)
            if limits is not None:
                return limits
        return f"ip{self.get_ident(request)}", ANON_PER_MINUTE, ANON_PER_DAY


def rate_headers(state: RateState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset),
        "X-RateLimit-Limit-Day": str(state.day_limit),
        "X-RateLimit-Remaining-Day": str(state.day_remaining),
    }
