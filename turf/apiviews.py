"""Base classes every v1 endpoint builds on: the plan gate, its query, the rate-limit headers."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.gate import gate_pass, gate_read_ahead
from billing.permissions import PlanFeature
from billing.throttles import AUTH_SCOPE, PlanRateThrottle, RateState, rate_headers

from . import metrics
from .cache import ANSWERS_GENERATION, answer_get, answer_set, read_ahead_clear
from .params import query_read

# The plan variant (``_variant``) each user's last cached read was answered for, in this process: the answer a
# user's next call will look up is read ahead under it (a user whose plan changed meanwhile looks it up again).
VARIANTS_MAX = 4096
_variants: dict[int, tuple] = {}


class TurfAPIView(APIView):
    """An authenticated v1 endpoint behind the plan gate: its ``required_feature`` and its ``query_params``."""

    permission_classes = [IsAuthenticated, PlanFeature]
    # Requests are counted by the plan gate (PlanRateThrottle, with this scope), not by DRF's throttle step.
    throttle_classes: list = []
    throttle_scope: str | None = None
    required_feature: str | None = None
    # The serializer of the GET query, read by the gate after the plan check and before the daily quota is
    # counted (a 400 costs no quota); the view finds it validated in ``self.params``. POST bodies are the
    # view's own serializer's, validated after the gate.
    query_params: type[serializers.Serializer] | None = None
    params: dict = {}
    # The kind of predictions a 2xx answer serves, counted in turf_predictions_served_total by plan (None: none).
    serves_predictions: str | None = None
    # A pure read of shared data (the same answer for every subscriber of a plan): its 200 answers are cached per
    # path, validated query and plan (``turf.cache``), served after the gate has counted the request.
    answer_cached: bool = False
    _answer_key: tuple[str, int] | None = None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            read_ahead_clear()

    def initial(self, request, *args, **kwargs):
        # DRF's initial with its throttle and permission steps replaced by the one plan gate, which counts the
        # request before anything may refuse it: every answer, 401/403/400 included, has counted and carries
        # the rate-limit headers.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        gate_read_ahead(request, self, lambda user_id: self._answer_ahead(request, user_id))
        self.perform_authentication(request)
        self.params = gate_pass(request, self, lambda: self.read_query(request))
        if self.answer_cached and request.method == "GET":
            self._answer_lookup(request)

    def _answer_ahead(self, request, user_id: int) -> list[str]:
        """The keys of the cached answer this call will look up, if its user's plan is the one of their last call
        here (read ahead with the gate's counters: ``billing.gate.gate_read_ahead``)."""
        variant = _variants.get(user_id)
        if not self.answer_cached or request.method != "GET" or variant is None:
            return []
        try:
            params = self.read_query(request)
        except Exception:  # a query the gate will refuse: nothing to look up
            return []
        return [self._answer_key_of(request, params, variant), ANSWERS_GENERATION]

    @staticmethod
    def _answer_key_of(request, params: dict, variant) -> str:
        query = sorted((name, repr(value)) for name, value in params.items())
        ident = repr((request.path, query, variant, request.accepted_media_type))
        return "answer:" + hashlib.sha256(ident.encode()).hexdigest()

    def _answer_lookup(self, request) -> None:
        """Serve the cached answer to this query for this plan, if current (the handler is not called)."""
        plan = getattr(request, "plan", None)  # the plan that opened the feature (PlanFeature)
        variant = (plan.code, sorted(plan.features or []), repr(plan.daily_quotas)) if plan is not None else None
        if len(_variants) >= VARIANTS_MAX:
            _variants.clear()
        _variants[request.user.pk] = variant
        key = self._answer_key_of(request, self.params, variant)
        generation, entry = answer_get(key)
        self._answer_key = (key, generation) if generation is not None else None
        if entry is not None:
            content, content_type = entry
            self.get = lambda *args, **kwargs: HttpResponse(content, content_type=content_type)

    def read_query(self, request) -> dict:
        if self.query_params is None or request.method not in ("GET", "HEAD"):
            return {}
        return query_read(self.query_params, request.query_params)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._answer_key is not None and isinstance(response, Response) and response.status_code == 200:
            response.render()
            answer_set(*self._answer_key, (response.content, response["Content-Type"]))
        state: RateState | None = getattr(request, "rate_state", None)
        if state is None:
            # Refused before the gate (a bad token): show the limits it would have counted against, unspent.
            _, per_minute, per_day = PlanRateThrottle().limits(request, self)
            state = RateState(
                limit=per_minute, remaining=per_minute, reset=60, day_limit=per_day, day_remaining=per_day
            )
        for name, value in rate_headers(state).items():
            response[name] = value
        if self.serves_predictions and 200 <= response.status_code < 300:
            plan = getattr(request, "plan", None)
            metrics.predictions_served(kind=self.serves_predictions, plan=getattr(plan, "code", "unknown"))
        return response


class PublicAPIView(TurfAPIView):
    """A v1 endpoint open to anonymous visitors (rate-limited per address)."""

    permission_classes: list = []
    authentication_classes: list = []


class AuthAPIView(PublicAPIView):
    """Log-in, sign-up, refresh: open to anyone, limited per address apart from the rest (password guessing)."""

    throttle_scope = AUTH_SCOPE
