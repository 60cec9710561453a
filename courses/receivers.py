"""Courses' receivers: the API's cached answers (``turf.cache``) are stale once a row they show is written one by
one (staff's edits in the admin, the tests' factories); the writers that write in bulk say so themselves."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from turf.cache import answers_invalidate

from .models import Dividend, Horse, Jockey, Meeting, OddsSnapshot, Race, Racecourse, Runner, Trainer

SHOWN = (Racecourse, Meeting, Race, Horse, Jockey, Trainer, Runner, Dividend, OddsSnapshot)


def answers_stale(sender, **kwargs) -> None:
    answers_invalidate()


for model in SHOWN:
    post_save.connect(answers_stale, sender=model, dispatch_uid=f"courses.answers_stale_saved.{model.__name__}")
    post_delete.connect(answers_stale, sender=model, dispatch_uid=f"courses.answers_stale_deleted.{model.__name__}")
