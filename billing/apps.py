from django.apps import AppConfig


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (the feature-code check; a subscription at sign-up)
