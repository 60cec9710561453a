"""The search's PostgreSQL side: the pg_trgm and unaccent extensions, ``turf_unaccent`` (unaccent is only STABLE,
since its dictionary could change: this wrapper names the dictionary, so an index may use it) and a trigram GIN
index on ``turf_unaccent(lower(name))`` of each table searched. Nothing on SQLite, where ``turf_unaccent`` is a
Python function registered on each connection (``courses.search.sqlite_functions_register``)."""

from django.db import migrations

TABLES = ("courses_horse", "courses_jockey", "courses_trainer", "courses_racecourse", "courses_race")

FUNCTION = """
CREATE OR REPLACE FUNCTION turf_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_name_trgm ON {table} "
            "USING gin (turf_unaccent(lower(name)) public.gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_name_trgm")
    schema_editor.execute("DROP FUNCTION IF EXISTS turf_unaccent(text)")
    # The extensions stay: other objects may use them, and they cost nothing idle.


class Migration(migrations.Migration):
    dependencies = [("courses", "0005_sched_feed_schedule")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
