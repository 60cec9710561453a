"""Marketing mails: the consent given and withdrawn, and the staff command that mails those who opted in."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.mail import unsubscribe_url
from accounts.models import Consent, ConsentKind
from accounts.services.marketing import marketing_consent_set

pytestmark = pytest.mark.django_db
MARKETING = "/api/v1/auth/account/marketing"


def opted_in(user, verified=True):
    marketing_consent_set(user=user, opt_in=True)
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def send(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("mail_marketing", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_the_newsletter_goes_only_to_verified_accounts_that_opted_in_each_with_their_link(
    free_user, premium_user, pro_user, other_user
):
    opted_in(free_user)
    opted_in(premium_user)
    opted_in(pro_user, verified=False)  # an address nobody proved is theirs gets no marketing
    marketing_consent_set(user=premium_user, opt_in=False)  # opted out since
    other_user.email_verified_at = timezone.now()
    other_user.save()  # verified, never opted in

    output = send("--template", "newsletter", "--subject", "What's new at Turf")

    assert "1 mail(s) sent" in output
    (message,) = mail.outbox
    assert message.to == [free_user.email] and message.subject == "What's new at Turf"
    link = unsubscribe_url(free_user)
    assert link in message.body and link in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert "09 74 75 13 13" in message.body  # the ANJ's helpline, as every gambling promotion must carry


def test_a_dry_run_counts_and_sends_nothing(free_user):
    opted_in(free_user)
    assert "1 recipient(s)" in send("--template", "newsletter", "--subject", "x", "--dry-run")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--template", "nope", "--subject", "x"], "mail/nope.txt"),
        (["--template", "newsletter", "--subject", " "], "--subject"),
    ],
)
def test_a_missing_template_or_subject_stops_before_any_mail(free_user, args, message):
    opted_in(free_user)
    with pytest.raises(CommandError, match=message):
        send(*args)
    assert mail.outbox == []


def test_the_api_records_and_withdraws_the_consent(api, free_user):
    response = api.as_user(free_user).post(MARKETING, {"opt_in": True}, format="json")
    assert response.status_code == 200 and response.json()["marketing_opt_in"] is True
    consent = Consent.objects.get(user=free_user, kind=ConsentKind.MARKETING)
    assert consent.version == settings.PRIVACY_POLICY_VERSION and consent.address == "127.0.0.1"
    # Asking again changes nothing: one consent, not two.
    api.post(MARKETING, {"opt_in": True}, format="json")
    assert Consent.objects.filter(user=free_user, kind=ConsentKind.MARKETING).count() == 1

    assert api.post(MARKETING, {"opt_in": False}, format="json").json()["marketing_opt_in"] is False
    consent.refresh_from_db()
    free_user.refresh_from_db()
    assert consent.withdrawn_at is not None and not free_user.marketing_opt_in


@pytest.mark.parametrize("body", [{}, {"opt_in": "maybe"}, {"opt_in": True, "all": True}])
def test_a_bad_body_is_refused(api, free_user, body):
    response = api.as_user(free_user).post(MARKETING, body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"
