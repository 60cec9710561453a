"""Per-plan request limits (per minute and per day) as a DRF throttle."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.throttling import BaseThrottle

from . import counters
from .selectors import plan_for_user, seconds_until_midnight

# Visitors without a token (health, docs, register, login) share limits per IP address.
ANON_PER_MINUTE = 30
ANON_PER_DAY = 2_000


@dataclass
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the minute window resets
    day_limit: int
    day_remaining: int
    wait: int | None = None


class PlanRateThrottle(BaseThrottle):
    """Refuse a request past the plan's per-minute or per-day limit; remember the state for the headers."""

    def allow_request(self, request, view) -> bool:
        ident, per_minute, per_day = self.limits(request)
        minute_id, reset = counters.minute_window()
        day_id = counters.day_window()
        used_minute = counters.hit(f"rl:{ident}:m:{minute_id}", 61)
        used_day = counters.hit(f"rl:{ident}:d:{day_id}", 86_400 + 60)
        state = RateState(
            limit=per_minute,
            remaining=max(0, per_minute - used_minute),
            reset=reset,
            day_limit=per_day,
            day_remaining=max(0, per_day - used_day),
        )
        if used_day > per_day:
            state.wait = seconds_until_midnight()
        elif used_minute > per_minute:
            state.wait = reset
        request.rate_state = state
        self._wait = state.wait
        return state.wait is None

    def wait(self):
        return self._wait

    def limits(self, request) -> tuple[str, int, int]:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            plan = plan_for_user(user)
            if plan is not None:
                return f"u{user.pk}", plan.requests_per_minute, plan.requests_per_day
        return f"ip{self.get_ident(request)}", ANON_PER_MINUTE, ANON_PER_DAY


def rate_headers(state: RateState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset),
        "X-RateLimit-Limit-Day": str(state.day_limit),
        "X-RateLimit-Remaining-Day": str(state.day_remaining),
    }
