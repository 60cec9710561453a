"""Create (or re-key) the local staff account that `make run` prints."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the staff account for the admin, or set a new password on it, and print the credentials."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=os.environ.get("TURF_ADMIN_EMAIL", "admin@turf.localhost"))

    def handle(self, *args, **options):
        email = options["email"].strip().lower()
        # A fresh random password each run unless one is given: nothing secret lives in the repository.
        password = os.environ.get("TURF_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User = get_user_model()
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True, "is_superuser": True})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        verb = "created" if created else "password reset"
        self.stdout.write(f"Staff account {verb}: {email} / {password}  (dashboard: /login/, admin: /admin/)")
