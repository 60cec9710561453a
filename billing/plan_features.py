"""The data migration that opens new features to existing plans (``Plan.features``), for the migrations to share."""

from __future__ import annotations

from django.db import migrations


def plans_open(opens: dict[str, list[str]]) -> migrations.RunPython:
    """A RunPython adding each feature of ``opens`` to the plans whose codes it lists; reversed, taking it away
    from every plan."""

    def add(apps, schema_editor):
        Plan = apps.get_model("billing", "Plan")
        for feature, codes in opens.items():
            for plan in Plan.objects.filter(code__in=codes):
                if feature not in plan.features:
                    plan.features = [*plan.features, feature]
                    plan.save(update_fields=["features"])

    def remove(apps, schema_editor):
        Plan = apps.get_model("billing", "Plan")
        for plan in Plan.objects.all():
            plan.features = [f for f in plan.features if f not in opens]
            plan.save(update_fields=["features"])

    return migrations.RunPython(add, remove)
