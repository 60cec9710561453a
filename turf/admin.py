from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: staff read the trail; nobody adds, edits or deletes a row (``audit_verify`` would see it)."""

    list_display = ["at", "action", "actor_kind", "actor_id", "subject_id", "target", "address"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["target", "subject_id", "actor_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
