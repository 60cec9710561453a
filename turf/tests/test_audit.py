"""The audit trail: appended through ``audit_write``, chained by SHA-256, checked by ``manage.py audit_verify``
(an edited or deleted row breaks it, naming the entry), read-only in the admin."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from turf.audit import GENESIS, audit_entries_for, audit_verify, audit_write
from turf.models import ActorKind, AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def trail(user, n=3) -> list[AuditEntry]:
    return [
        audit_write(
            action=AuditAction.LIMIT_CHANGED,
            actor=user,
            subject=user,
            target="betting_limit:stake_day",
            before={"amount": str(i)},
            after={"amount": str(i + 1)},
            address="203.0.113.7",
        )
        for i in range(n)
    ]


def test_an_intact_chain_passes(free_user):
    entries = trail(free_user)
    assert entries[0].previous_hash == GENESIS
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    out = verify()
    assert "3 audit entries checked: the chain is intact." in out
    assert f"last entry {entries[-1].pk}, hash {entries[-1].hash}" in out


def test_an_empty_trail_passes():
    assert "0 audit entries checked" in verify()


def test_an_edited_row_breaks_the_chain_naming_it(free_user):
    entries = trail(free_user)
    AuditEntry.objects.filter(pk=entries[1].pk).update(after={"amount": "1000"})
    with pytest.raises(CommandError, match=rf"entry {entries[1].pk}: its content does not match") as broken:
        verify()
    assert broken.value.returncode == 1 and "1 entries before it check out" in str(broken.value)


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(free_user):
    from turf.audit import entry_digest

    entries = trail(free_user)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.after = {"amount": "1000"}
    AuditEntry.objects.filter(pk=forged.pk).update(after=forged.after, hash=entry_digest(forged, forged.previous_hash))
    assert audit_verify()[1].entry_id == entries[2].pk


def test_a_deleted_middle_row_breaks_the_chain_naming_the_next(free_user):
    entries = trail(free_user)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    with pytest.raises(CommandError, match=rf"entry {entries[2].pk}: its previous hash is not") as broken:
        verify()
    assert broken.value.returncode == 1


def test_a_deleted_first_row_breaks_the_chain(free_user):
    entries = trail(free_user)
    AuditEntry.objects.filter(pk=entries[0].pk).delete()
    assert audit_verify()[1].entry_id == entries[1].pk


def test_entries_record_who_to_whom_and_from_where(free_user, staff):
    (entry,) = trail(free_user, 1)
    assert (entry.actor_kind, entry.actor_id, entry.subject_id) == (ActorKind.USER, free_user.pk, free_user.pk)
    assert entry.address == "203.0.113.7"
    by_staff = audit_write(action=AuditAction.PLAN_CHANGED, actor=staff, subject=free_user, target="plan")
    assert (by_staff.actor_kind, by_staff.actor_id) == (ActorKind.STAFF, staff.pk)
    by_command = audit_write(action=AuditAction.PLAN_CHANGED, actor_kind=ActorKind.COMMAND, subject=free_user)
    assert (by_command.actor_kind, by_command.actor_id) == (ActorKind.COMMAND, None)


def test_a_user_reads_only_their_own_entries(free_user, other_user):
    trail(free_user, 2)
    trail(other_user, 1)
    audit_write(action=AuditAction.SELF_EXCLUDED, actor=free_user, subject=free_user)
    mine = list(audit_entries_for(free_user))
    assert [e.subject_id for e in mine] == [free_user.pk] * 3
    assert mine[0].action == AuditAction.SELF_EXCLUDED  # the latest first
    only = audit_entries_for(free_user, actions=[AuditAction.LIMIT_CHANGED], limit=1)
    assert [e.action for e in only] == [AuditAction.LIMIT_CHANGED]


def test_staff_read_the_trail_in_the_admin_but_cannot_change_add_or_delete(client, staff, free_user):
    (entry,) = trail(free_user, 1)
    client.force_login(staff)
    assert client.get("/admin/turf/auditentry/").status_code == 200
    page = client.get(f"/admin/turf/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # a view, no save button
    assert client.post(f"/admin/turf/auditentry/{entry.pk}/change/", {"target": "x"}).status_code == 403
    assert client.post(f"/admin/turf/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/turf/auditentry/add/").status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    client.post("/admin/turf/auditentry/", bulk)
    entry.refresh_from_db()
    assert entry.target == "betting_limit:stake_day" and "1 audit entries checked" in verify()


def test_a_subscriber_cannot_reach_the_trail_in_the_admin(client, free_user):
    client.force_login(free_user)
    assert client.get("/admin/turf/auditentry/").status_code == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # after it, the next test gets the migrations' rows
def test_concurrent_writers_keep_one_valid_chain(django_user_model):
    """PostgreSQL: writers in parallel transactions each chain to the row before theirs (the advisory lock)."""
    user = django_user_model.objects.create_user(email="busy@turf.test", password="x")
    barrier, errors = threading.Barrier(6), []

    def write(n):
        try:
            barrier.wait()
            for i in range(10):
                audit_write(action=AuditAction.LIMIT_CHANGED, actor=user, subject=user, after={"writer": n, "i": i})
        except Exception as exc:  # reported below: a failed writer fails the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == 60
    assert audit_verify() == (60, None)
    assert AuditEntry.objects.values("previous_hash").distinct().count() == 60  # no two chained to one row
