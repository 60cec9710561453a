"""``X-API-Key: turf_…``: a script authenticates as its key's owner, like a Bearer token.

After JWT in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``: a request with an ``Authorization`` header
is the token's; one with only ``X-API-Key`` is the key's. Either way the request then passes the same plan
gate and counts against the same limits, which are the user's (``billing.throttles``), not the credential's.
"""

from __future__ import annotations

import time

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from .services.api_keys import api_key_authenticate
from .snapshot import SnapshotUser, user_snapshot

HEADER = "X-API-Key"
CHALLENGE = f'ApiKey realm="api", header="{HEADER}"'
FEATURE = "api_keys"  # billing.models.Feature.API_KEYS (accounts imports no billing)


# Access tokens this process has checked (signature, type, expiry), each kept until it expires: an access token is
# not revoked before its expiry (log-out blacklists the refresh token), so checking it again would answer the same.
CHECKED_TOKENS_MAX = 4096
_checked: dict[bytes, tuple[float, object]] = {}


class SnapshotJWTAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication with the user read from its snapshot in the cache (``accounts.snapshot``),
    not from the database: the same refusals (no such user, a deactivated one) on the very next request after
    the change, without a query on every call. A token this process has checked is not checked again before it
    expires."""

    def get_validated_token(self, raw_token: bytes):
        now = time.time()
        checked = _checked.get(raw_token)
        if checked is not None and checked[0] > now:
            return checked[1]
        token = super().get_validated_token(raw_token)
        if len(_checked) >= CHECKED_TOKENS_MAX:
            _checked.clear()
        _checked[raw_token] = (float(token["exp"]), token)
        return token

    @classmethod
    def user_id(cls, request) -> int | None:
        """The user id a request's Bearer token carries, if it is a valid access token (else None: the request's
        authentication will say what is wrong with it)."""
        auth = cls()
        try:
            header = auth.get_header(request)
            raw = auth.get_raw_token(header) if header is not None else None
            return int(auth.get_validated_token(raw)[api_settings.USER_ID_CLAIM]) if raw is not None else None
        except Exception:  # any refusal, answered by the authentication proper
            return None

    def get_user(self, validated_token):
        if api_settings.CHECK_REVOKE_TOKEN:  # compares the password's hash: the row it is
            return super().get_user(validated_token)
        try:
            user_id = int(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        snapshot = user_snapshot(user_id)
        if snapshot is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not snapshot["is_active"]:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return SnapshotUser(snapshot)


class ApiKeyRefused(AuthenticationFailed):
    """A refused ``X-API-Key``: the 401 challenges with the key's scheme.

    DRF gives every 401 the challenge of the view's first authenticator (JWT's ``Bearer``), which is not what
    a script holding a key tried; this exception keeps its own."""

    @property
    def auth_header(self) -> str:
        return CHALLENGE

    @auth_header.setter
    def auth_header(self, value) -> None:
        pass  # set by APIView.handle_exception to the view's challenge: the key's stands


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate by an active API key of an active account whose plan opens API keys."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY")
        if key is None:
            return None
        key = key.strip()
        found = api_key_authenticate(key=key) if key else None
        if found is None:
            raise ApiKeyRefused("The API key is unknown or revoked.")
        api_key, snapshot = found
        if not snapshot["is_active"]:
            raise ApiKeyRefused("The API key's account is deactivated.")
        # A key is a premium credential: an account that went back to a plan without API keys (cancelled, unpaid)
        # keeps its keys, unused, until it is upgraded again. The plan is the snapshot's (billing's part of it:
        # its fields), as the plan gate reads it.
        plan = snapshot.get("plan")
        if plan is None or not plan["is_active"] or FEATURE not in (plan["features"] or []):
            raise ApiKeyRefused(
                "API keys work on a plan that opens them; your account is on "
                f"{plan['name'] if plan else 'no plan'}. Upgrade, or log in for a Bearer token."
            )
        return SnapshotUser(snapshot), api_key

    def authenticate_header(self, request) -> str:
        return CHALLENGE
