"""The one way Turf sends a mail: a text and an HTML body rendered from ``templates/mail/<name>.txt`` and
``.html``, through Django's mail backend (the console by default, SMTP from ``EMAIL_URL``).

In the user's language (``User.language``: the one they signed up in, or last chose on the pages; the site's
``LANGUAGE_CODE``, French, for a mail to no user): the subject is translated (callers pass ``gettext_lazy``
strings) and the bodies come from ``templates/mail/<language>/<name>.*`` where they exist (French), else from
``templates/mail/<name>.*`` (English, the mails' source language).

Marketing mails (``marketing=True``) go only to users who opted in and are not self-excluded, and carry an
unsubscribe link signed with an HMAC of the user's id (GDPR Art. 21): ``unsubscribe_url`` / ``unsubscribe_user_id``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import select_template
from django.utils import translation

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
    language = language_of(getattr(user, "language", None))
    with translation.override(language):
        subject = str(subject)
        text = _render(template, "txt", language, context)
        html = _render(template, "html", language, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("mail %s sent to user %s", template, getattr(user, "pk", None))  # never the address
    return True


def language_of(language: str | None) -> str:
    """``language`` if the site speaks it, else the site's own (``LANGUAGE_CODE``)."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _render(template: str, extension: str, language: str, context: dict) -> str:
    names = [f"mail/{language}/{template}.{extension}", f"mail/{template}.{extension}"]
    return select_template(names).render(context)


def user_language_set(*, user, language: str) -> None:
    """The language of ``user``'s mails from now on (a language the site does not speak is ignored)."""
    if language in dict(settings.LANGUAGES) and language != user.language:
        user.language = language
        user.save(update_fields=["language"])
