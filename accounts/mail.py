"""The one way Turf sends a mail: a text and an HTML body rendered from ``templates/mail/<name>.txt`` and
``.html``, through Django's mail backend (the console by default, SMTP from ``EMAIL_URL``).

Marketing mails (``marketing=True``) go only to users who opted in and are not self-excluded, and carry an
unsubscribe link signed with an HMAC of the user's id (GDPR Art. 21): ``unsubscribe_url`` / ``unsubscribe_user_id``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import SelfExclusion

logger = logging.getLogger("turf.mail")

UNSUBSCRIBE_SALT = "turf.accounts.unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def unsubscribe_url(user) -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(user)}/"


def unsubscribe_user_id(token: str) -> int | None:
    """The user id a token was signed for, or None when the signature does not match."""
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def mail_send(*, to: str, template: str, subject: str, context: dict | None = None, user=None, marketing=False) -> bool:
    """Render ``mail/<template>.txt`` and ``.html`` with ``context`` and send them to ``to``; True once sent.

    A marketing mail goes only to a ``user`` who opted in, with the unsubscribe link in its context
    (``unsubscribe_url``) and a ``List-Unsubscribe`` header."""
    context = {"site_url": settings.SITE_URL, "user": user, **(context or {})}
    headers = {}
    if marketing:
        # Only to who opted in, and never to a user who excluded themselves from gambling (responsible gambling).
        if user is None or not user.marketing_opt_in or SelfExclusion.objects.filter(user=user).in_force().exists():
            return False
        context["unsubscribe_url"] = unsubscribe_url(user)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    text = render_to_string(f"mail/{template}.txt", context)
    html = render_to_string(f"mail/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("mail %s sent to user %s", template, getattr(user, "pk", None))  # never the address
    return True
