from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from public_store import outage


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff"

    def ready(self):
        outage.register_message(
            "/admin",
            heading="The admin is unavailable",
            message="The database cannot be reached, so nothing can be posted or changed "
            "right now. The public status page keeps serving its last published state.",
        )


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with `admin.site` an instance of our StatusAdminSite."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "staff.admin_site.StatusAdminSite"
