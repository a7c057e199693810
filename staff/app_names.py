"""Apps operators never use, under names that say what they hold on the admin's home.

INSTALLED_APPS names these instead of the apps' own configurations; labels, tables and
URLs are unchanged. (Kept out of staff/apps.py: Django picks an app's configuration from
the classes its apps module holds, and these would be candidates there.)
"""

from axes.apps import AppConfig as AxesAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig


class LogInAttemptsConfig(AxesAppConfig):
    verbose_name = "Log-in attempts"


class TwoFactorDevicesConfig(TotpAppConfig):
    verbose_name = "Two-factor devices"


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "Background tasks"
