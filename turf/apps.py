from django.apps import AppConfig


class TurfConfig(AppConfig):
    name = "turf"
    verbose_name = "Turf"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
