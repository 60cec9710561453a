"""Send a marketing mail to every subscriber who opted in, each with their own unsubscribe link."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from tqdm import tqdm

from accounts.services.marketing import marketing_mail_send, marketing_recipients


class Command(BaseCommand):
    help = (
        "Send templates/mail/<template>.txt and .html to the active accounts that opted in to marketing mails "
        "with a verified address; each mail carries the user's unsubscribe link (GDPR Art. 21)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--template", required=True, help="the mail's name under templates/mail/, e.g. newsletter")
        parser.add_argument("--subject", required=True, help="the mail's subject")
        parser.add_argument("--dry-run", action="store_true", help="count the recipients, send nothing")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, template: str, subject: str, dry_run: bool, no_progress: bool, **options):
        subject = subject.strip()
        if not subject:
            raise CommandError("--subject is empty")
        for suffix in ("txt", "html"):  # both parts exist, before the first mail leaves
            try:
                get_template(f"mail/{template}.{suffix}")
            except TemplateDoesNotExist:
                raise CommandError(f"no template mail/{template}.{suffix} under templates/") from None
        total = marketing_recipients().count()
        if dry_run:
            self.stdout.write(f"{total} recipient(s) opted in; nothing sent (--dry-run).")
            return
        with tqdm(total=total, desc=f"mail {template}", unit="mail", disable=no_progress) as bar:
            sent = marketing_mail_send(template=template, subject=subject, progress=lambda: bar.update(1))
        self.stdout.write(f"{sent} mail(s) sent to the accounts that opted in.")
