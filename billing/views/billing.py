"""``billing/*``: the subscription, today's usage, and Stripe (checkout, portal, cancel, the webhook)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from turf.apiviews import PublicAPIView, TurfAPIView
from turf.audit import request_address
from turf.errors import BillingUnavailable

from ..payments import checkout_session_create, portal_session_create, subscription_cancel
from ..selectors import endpoint_usage, plan_usage, subscription_summary
from ..serializers import (
    CheckoutRequestSerializer,
    CheckoutSerializer,
    PortalSerializer,
    SubscriptionSerializer,
    UsageSerializer,
    WebhookAnswerSerializer,
)
from ..stripe_client import BadSignature, stripe_configured, stripe_event_read
from ..webhooks import stripe_event_process

UNAVAILABLE = OpenApiResponse(
    description="`billing_unavailable`: payments are not configured on this server (no Stripe keys)."
)
PROVIDER = OpenApiResponse(
    description="`payment_provider_error`: Stripe did not answer or refused; nothing was changed."
)


class _AccountView(TurfAPIView):
    """A subscriber's own billing: logged in, on any plan."""

    permission_classes = [IsAuthenticated]


class _PaymentView(_AccountView):
    """A call that asks Stripe: 503 on a server without payments, before its body is read."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and not stripe_configured():  # another method: its 405
            raise BillingUnavailable()


class SubscriptionView(_AccountView):
    @extend_schema(
        summary="Your subscription: plan, status, period end, cancellation",
        tags=["billing"],
        responses={200: SubscriptionSerializer},
    )
    def get(self, request):
        return Response(SubscriptionSerializer(subscription_summary(request.user)).data)


class UsageView(_AccountView):
    @extend_schema(
        summary="Today's requests per endpoint against your plan's limits and quotas",
        description="This call counts as one request, as `auth/me` does; the calls per endpoint add up to "
        "`requests_today` (API calls and data pages; refused calls included).",
        tags=["billing"],
        responses={200: UsageSerializer},
    )
    def get(self, request):
        user = request.user
        usage = plan_usage(user=user, rate=request.rate_state)
        summary = subscription_summary(user)
        usage.update(plan=summary["plan"].code, endpoints=endpoint_usage(user))
        return Response(UsageSerializer(usage).data)


class CheckoutView(_PaymentView):
    @extend_schema(
        summary="Subscribe: a Stripe Checkout page for a paid plan",
        description="Send the subscriber to `url`; once paid, Stripe's webhook moves the plan. Needs a verified "
        "e-mail address.",
        tags=["billing"],
        request=CheckoutRequestSerializer,
        responses={
            200: CheckoutSerializer,
            403: OpenApiResponse(description="`email_not_verified`: verify your e-mail address first."),
            409: OpenApiResponse(description="`conflict`: you already have a paid subscription: use the portal."),
            502: PROVIDER,
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        body = CheckoutRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = checkout_session_create(user=request.user, plan_code=body.validated_data["plan"])
        return Response(CheckoutSerializer(session).data)


class PortalView(_PaymentView):
    @extend_schema(
        summary="Manage billing: a Stripe billing portal page",
        description="Payment method, invoices, change or cancel the plan at Stripe.",
        tags=["billing"],
        request=None,
        responses={
            200: PortalSerializer,
            409: OpenApiResponse(description="`conflict`: no billing account at Stripe yet: subscribe first."),
            502: PROVIDER,
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        return Response(PortalSerializer(portal_session_create(user=request.user)).data)


class CancelView(_PaymentView):
    @extend_schema(
        summary="Cancel your subscription at the end of the period paid for",
        description="The plan stays until `current_period_end`, then falls to free (Stripe's webhook).",
        tags=["billing"],
        request=None,
        responses={
            200: SubscriptionSerializer,
            409: OpenApiResponse(description="`conflict`: you have no paid subscription to cancel."),
            502: PROVIDER,
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        subscription_cancel(user=request.user, address=request_address(request))
        return Response(SubscriptionSerializer(subscription_summary(request.user)).data)


class WebhookView(PublicAPIView):
    """Stripe's events: no token (the signature is the proof), no CSRF, counted against nobody's limits."""

    def initial(self, request, *args, **kwargs):
        # Not the plan gate: Stripe's deliveries come from a few addresses, in bursts; they must never be
        # throttled as an anonymous visitor would be. The rate-limit headers still show, unspent.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)

    @extend_schema(
        summary="Stripe's webhook (events signed with STRIPE_WEBHOOK_SECRET)",
        description="Handles `checkout.session.completed`, `customer.subscription.created` / `updated` / "
        "`deleted`, `invoice.paid` (or `invoice.payment_succeeded`) and `invoice.payment_failed`; other events "
        "are recorded and ignored. The same event delivered twice is applied once.",
        tags=["billing"],
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, description="Stripe's signature")
        ],
        responses={
            200: WebhookAnswerSerializer,
            400: OpenApiResponse(description="`invalid_parameter`: the signature is missing or does not match."),
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        # The raw body: the signature is over the bytes Stripe sent, not over a re-encoded parse of them.
        payload = request.body
        try:
            event = stripe_event_read(payload, request.headers.get("Stripe-Signature"))
        except BadSignature as exc:
            raise ValidationError({"Stripe-Signature": str(exc)}) from None
        outcome = stripe_event_process(event=event)
        return Response(
            WebhookAnswerSerializer(
                {
                    "received": True,
                    "event_id": outcome.event_id,
                    "type": outcome.type,
                    "outcome": outcome.outcome,
                    "duplicate": outcome.duplicate,
                }
            ).data
        )
