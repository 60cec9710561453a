from django.apps import AppConfig


class WageringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wagering"

    def ready(self) -> None:
        # New results settle subscribers' open bets: courses announces them, wagering listens.
        from . import receivers  # noqa: F401
