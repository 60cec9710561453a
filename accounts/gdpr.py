"""What accounts holds about a user, for their export (GDPR Art. 15; ``settings.TURF_ACCOUNT_DATA``).

Secrets stay out: no password hash, no verification code's hash, no API key's hash. Values are the database's
(datetimes, decimals): the export (``accounts.services.gdpr.account_data_export``) writes them as JSON.
"""

from __future__ import annotations

from .models import ApiKey, Consent, EmailCode, SelfExclusion


def account_data(user) -> dict:
    """The profile, consents, verification codes (their metadata), API keys (names, prefixes), self-exclusions."""
    return {
        "profile": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_verified_at": user.email_verified_at,
            "adult_confirmed_at": user.adult_confirmed_at,
            "marketing_opt_in": user.marketing_opt_in,
            "language": user.language,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "groups": list(user.groups.values_list("name", flat=True)),
        },
        "consents": list(
            Consent.objects.filter(user=user)
            .order_by("given_at", "id")
            .values("kind", "version", "given_at", "withdrawn_at", "address")
        ),
        "email_codes": list(
            EmailCode.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("purpose", "email", "created_at", "expires_at", "attempts", "used_at")
        ),
        "api_keys": list(
            ApiKey.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("id", "name", "prefix", "created_at", "last_used_at", "revoked_at")
        ),
        "self_exclusions": list(
            SelfExclusion.objects.filter(user=user)
            .order_by("starts_at", "id")
            .values("starts_at", "ends_at", "created_at")
        ),
    }
