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
            message="The admin needs the database, which cannot be reached right now. To post "
            "meanwhile, use the shell on the server: manage.py post_update --incident ID "
            '--status identified --body "…" (or --title "…" for a new incident). The post is '
            "on the public status page at once, marked as posted while our systems were "
            "degraded, and is saved, and mailed to followers, when the database is back.",
        )


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with `admin.site` an instance of our StatusAdminSite."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "staff.admin_site.StatusAdminSite"
