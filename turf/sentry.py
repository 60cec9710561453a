"""Error reporting to Sentry (or any Sentry-compatible receiver: GlitchTip, a self-hosted Sentry) when
``SENTRY_DSN`` is set; with none, nothing is initialised and nothing leaves the process.

What leaves: the error, its stack (without local variables), the request's method, URL and headers minus the
sensitive ones (Authorization, cookies, X-API-Key: sentry-sdk's list when ``send_default_pii`` is off), the
``request_id`` tag (``turf.logs``), the Celery task. Never the request's body (a password, a token), the
user's address or cookies.
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start reporting to ``dsn`` (settings.py calls it); False, and nothing started, without a DSN."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
    )
    return True
