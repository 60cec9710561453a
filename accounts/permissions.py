"""Permissions of accounts' own endpoints."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import ApiKey


class NotByApiKey(BasePermission):
    """Refuse a request authenticated by an API key: a key may not mint, list or revoke keys, so that a leaked
    key cannot outlive its revocation through another one."""

    message = "API keys are managed by the account holder: log in (Bearer token or the /account/ page)."

    def has_permission(self, request, view) -> bool:
        return not isinstance(request.auth, ApiKey)
