from django.contrib import admin

from .models import Alert, AlertPreference, Event, MailBatch, WatchlistEntry, WebhookDelivery, WebhookEndpoint


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "horse", "jockey", "trainer", "racecourse", "race", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "horse", "jockey", "trainer", "racecourse", "race")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("type", "key", "race", "created_at", "fanned_out_at")
    list_filter = ("type",)
    raw_id_fields = ("race", "runner")


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "event_type", "channels", "odds_move_percent")
    raw_id_fields = ("user",)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("user", "event", "created_at", "read_at")
    raw_id_fields = ("user", "event")


@admin.register(MailBatch)
class MailBatchAdmin(admin.ModelAdmin):
    list_display = ("user", "race", "created_at", "sent_at")
    raw_id_fields = ("user", "race", "events")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("user", "url", "is_active", "failing_since", "disabled_at")
    exclude = ("secret",)
    raw_id_fields = ("user",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("endpoint", "event_type", "status", "attempts", "response_status", "response_ms", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("endpoint", "event")
