"""Accounts' receivers: a user's cached snapshot (``accounts.snapshot``) is stale once the user or a
self-exclusion is written. Signals, not the services, so that staff's edits in the admin count too."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import SelfExclusion, User
from .snapshot import snapshot_forget


@receiver(post_save, sender=User, dispatch_uid="accounts.snapshot_user_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.snapshot_user_deleted")
def snapshot_on_user_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.pk)


@receiver(post_save, sender=SelfExclusion, dispatch_uid="accounts.snapshot_exclusion_saved")
@receiver(post_delete, sender=SelfExclusion, dispatch_uid="accounts.snapshot_exclusion_deleted")
def snapshot_on_exclusion_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.user_id)
