from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a user's cached snapshot forgotten when the user is written)
