from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status page"


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with `admin.site` an instance of our StatusAdminSite."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "statuspage.admin_site.StatusAdminSite"
