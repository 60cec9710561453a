"""The shapes billing answers: a plan, the subscription, the usage."""

from rest_framework import serializers

from turf.serializers import StrictSerializer


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly_price = serializers.DecimalField(max_digits=8, decimal_places=2)
    features = serializers.ListField(child=serializers.CharField())
    requests_per_minute = serializers.IntegerField()
    requests_per_day = serializers.IntegerField()
    daily_quotas = serializers.DictField(child=serializers.IntegerField())


class PlanBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly_price = serializers.DecimalField(max_digits=8, decimal_places=2)


class SubscriptionSerializer(serializers.Serializer):
    """The subscription as its holder sees it."""

    plan = PlanBriefSerializer()
    status = serializers.CharField(help_text="Stripe's status; `active` for a free plan too")
    current_period_end = serializers.DateTimeField(
        allow_null=True, help_text="The end of the period paid for: the renewal, or the end once cancelled"
    )
    cancel_at_period_end = serializers.BooleanField(help_text="Ends at current_period_end instead of renewing")
    past_due_since = serializers.DateTimeField(allow_null=True, help_text="When a payment first failed, if it did")
    paid = serializers.BooleanField(help_text="A Stripe subscription that has not ended (managed in the portal)")
    payments_enabled = serializers.BooleanField(help_text="Whether this server takes payments (Stripe configured)")


class CheckoutRequestSerializer(StrictSerializer):
    plan = serializers.CharField(max_length=20, help_text="The plan to buy: one of the plans on sale (premium, pro)")


class CheckoutSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe Checkout's page: send the subscriber there")
    session_id = serializers.CharField()


class PortalSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's billing portal for this subscriber")


class QuotaUseSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    used = serializers.IntegerField()


class EndpointCallsSerializer(serializers.Serializer):
    endpoint = serializers.CharField(help_text="Method and route, e.g. `GET /api/v1/courses/today`")
    calls = serializers.IntegerField(help_text="Calls today, refused ones included")


class UsageSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Today (the daily counters reset at midnight, Europe/Paris)")
    plan = serializers.CharField(help_text="The plan's code")
    requests_this_minute = serializers.IntegerField()
    requests_per_minute = serializers.IntegerField()
    requests_today = serializers.IntegerField()
    requests_per_day = serializers.IntegerField()
    quotas = serializers.DictField(child=QuotaUseSerializer(), help_text="Per feature with a daily quota")
    endpoints = EndpointCallsSerializer(many=True, help_text="Today's calls per endpoint, API and pages")


class WebhookAnswerSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    event_id = serializers.CharField()
    type = serializers.CharField()
    outcome = serializers.CharField(help_text="What the event did; `already processed` for a second delivery")
    duplicate = serializers.BooleanField()
