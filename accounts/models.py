from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        # The plan: billing gives every new account a free subscription (billing.receivers).
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A subscriber or a staff member; logs in with an e-mail address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    adult_confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the user confirmed being 18+")
    marketing_opt_in = models.BooleanField(default=False)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language of the user's mails: the pages' language they chose, or the one they signed up in",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class CodePurpose(models.TextChoices):
    VERIFY = "verify", "Verify the address"
    EMAIL_CHANGE = "email_change", "Confirm a new address"


class EmailCode(models.Model):
    """A 6-digit code mailed to confirm an address, stored hashed; single use, expiring."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_codes")
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices, default=CodePurpose.VERIFY)
    email = models.EmailField(help_text="The address the code was sent to")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.email}"


class ConsentKind(models.TextChoices):
    PRIVACY = "privacy", "Privacy policy"
    AGE = "age", "18 or over"
    MARKETING = "marketing", "Marketing e-mails"


class Consent(models.Model):
    """What the user agreed to, which version, when and from where (GDPR Art. 7: proof of consent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.CharField(max_length=20, blank=True)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["given_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.version} at {self.given_at:%Y-%m-%d}"


class ApiKey(models.Model):
    """A named key for scripts: only its SHA-256 and a visible prefix are stored, never the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=16, unique=True, help_text="The key's first characters, shown to tell it")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SelfExclusionQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """The exclusions that have begun and not ended at ``now`` (default: now)."""
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)


class SelfExclusion(models.Model):
    """A period the user chose to be kept from value bets, picks and alerts; cannot be lifted early."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_exclusions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SelfExclusionQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_at"]
        indexes = [models.Index(fields=["user", "ends_at"], name="selfexcl_user_ends_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} excluded until {self.ends_at:%Y-%m-%d %H:%M}"
