from importlib import import_module

from django.db import migrations

operators = import_module("incidents.migrations.0002_operators_group")

FOLLOWER_PERMISSIONS = {
    "subscribers": {
        "subscriber": ["add", "change", "delete", "view"],
        # Deleting a post deletes its mail too, so operators need these.
        "notification": ["view", "delete"],
        "delivery": ["view", "delete"],
    },
}


def grant(apps, schema_editor):
    operators.grant(apps, FOLLOWER_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0001_initial"),
        ("incidents", "0002_operators_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
