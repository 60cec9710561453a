from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the API's cached answers stale when a race's row is written)
        from .search import sqlite_functions_register

        # SQLite's turf_unaccent (PostgreSQL's comes from migration 0006): the search's normalised names.
        connection_created.connect(sqlite_functions_register, dispatch_uid="courses.search.sqlite_functions")
