"""Reading Django's locmem outbox as a user reads their mailbox: the last mail to an address, its code, its link."""

from __future__ import annotations

import re

from django.core import mail


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address.lower() in (to.lower() for to in message.to)]


def last_mail(address: str):
    found = mails_to(address)
    assert found, f"no mail to {address} (outbox: {[m.to for m in mail.outbox]})"
    return found[-1]


def code_in(message) -> str:
    """The 6-digit code a mail carries (the text body; the HTML one shows the same)."""
    codes = re.findall(r"^\s*(\d{6})\s*$", message.body, re.M)
    assert len(codes) == 1, message.body
    html = message.alternatives[0][0]
    assert codes[0] in html
    return codes[0]


def reset_link_in(message) -> tuple[str, str, str]:
    """The password-reset link of a mail: (path, uid, token)."""
    match = re.search(r"https?://[^/\s]+(/password/reset/([^/\s]+)/([^/\s]+)/)", message.body)
    assert match, message.body
    return match.group(1), match.group(2), match.group(3)
