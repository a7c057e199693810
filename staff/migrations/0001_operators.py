"""The "Operators" group: post incidents and updates, change components, look after
followers; no user administration. Apps that add models operators use grant them here,
in a migration of this app (one place says what an operator may do)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR_PERMISSIONS = {
    "incidents": {
        "incident": ["add", "change", "delete", "view"],
        "incidentupdate": ["add", "change", "delete", "view"],
        "component": ["add", "change", "delete", "view"],
        "componentgroup": ["add", "change", "delete", "view"],
        "auditentry": ["view"],
    },
    "subscribers": {
        "subscriber": ["add", "change", "delete", "view"],
        # Deleting a post deletes its mail too, so operators need these.
        "notification": ["view", "delete"],
        "delivery": ["view", "delete"],
    },
}


def grant(apps, permissions):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    operators, _ = Group.objects.get_or_create(name="Operators")
    for app_label, models in permissions.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            operators.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


def create_operators(apps, schema_editor):
    grant(apps, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_auditentry"),
        ("subscribers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_operators, migrations.RunPython.noop)]
