"""Accounts' receivers: a user's cached snapshot (``accounts.snapshot``) is stale once the user, a
self-exclusion or an API key is written. Signals, not the services, so that staff's edits in the admin count too."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ApiKey, SelfExclusion, User
from .snapshot import snapshot_forget


@receiver(post_save, sender=User, dispatch_uid="accounts.snapshot_user_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.snapshot_user_deleted")
def snapshot_on_user_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.pk)


@receiver(post_save, sender=SelfExclusion, dispatch_uid="accounts.snapshot_exclusion_saved")
@receiver(post_delete, sender=SelfExclusion, dispatch_uid="accounts.snapshot_exclusion_deleted")
def snapshot_on_exclusion_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.user_id)


@receiver(post_save, sender=ApiKey, dispatch_uid="accounts.snapshot_api_key_saved")
@receiver(post_delete, sender=ApiKey, dispatch_uid="accounts.snapshot_api_key_deleted")
def snapshot_on_api_key_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.user_id)  # a key created or revoked: the snapshot lists the active ones
