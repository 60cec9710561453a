from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Watchlists, alerts and webhooks"

    def ready(self) -> None:
        # courses and predictions announce their news by signals; alerts turns them into events, fanned out by
        # the tasks queued by name (registered here, so the web process runs them eagerly in the embedded mode).
        from . import receivers, tasks  # noqa: F401
