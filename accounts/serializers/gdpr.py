"""The export's and the erasure's shapes."""

from __future__ import annotations

from rest_framework import serializers

from turf.serializers import StrictSerializer


class AccountEraseSerializer(StrictSerializer):
    password = serializers.CharField(
        trim_whitespace=False, max_length=128, help_text="Your password, to confirm the deletion"
    )


class AccountDataSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    user_id = serializers.IntegerField()
    data = serializers.DictField(
        help_text="One key per section: profile, consents, email_codes, api_keys, self_exclusions, subscription, "
        "invoices, bets, backtests, betting_limits, audit_trail"
    )


class MarketingSerializer(StrictSerializer):
    opt_in = serializers.BooleanField(help_text="true: receive Turf's news by e-mail; false: stop (consent withdrawn)")
