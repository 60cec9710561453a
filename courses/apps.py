from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the API's cached answers stale when a race's row is written)
