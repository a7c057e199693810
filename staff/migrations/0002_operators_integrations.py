"""Operators look after monitoring integrations: their settings and tokens, the alerts
awaiting approval (publishing them needs the right to change posts, which they have),
what was received and the log (read only)."""

import importlib

from django.db import migrations

grant = importlib.import_module("staff.migrations.0001_operators").grant

INTEGRATION_PERMISSIONS = {
    "integrations": {
        "integration": ["add", "change", "delete", "view"],
        "awaitingapproval": ["view"],
        "alertgroup": ["view"],
        "alertpayload": ["view"],
        "integrationevent": ["view"],
    },
}


def grant_integrations(apps, schema_editor):
    grant(apps, INTEGRATION_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_operators"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_integrations, migrations.RunPython.noop)]
