"""Operators manage incident templates: keeping one is part of posting quickly."""

import importlib

from django.db import migrations

grant = importlib.import_module("staff.migrations.0001_operators").grant

TEMPLATE_PERMISSIONS = {
    "incidents": {"incidenttemplate": ["add", "change", "delete", "view"]},
}


def grant_templates(apps, schema_editor):
    grant(apps, TEMPLATE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_operators_integrations"),
        ("incidents", "0007_incident_templates"),
    ]

    operations = [migrations.RunPython(grant_templates, migrations.RunPython.noop)]
