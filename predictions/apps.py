from django.apps import AppConfig


class PredictionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "predictions"

    def ready(self) -> None:
        # The live feed announces changed races and offs: courses sends, predictions rescores and freezes.
        from . import receivers  # noqa: F401
