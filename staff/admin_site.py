"""The admin site: Django's, plus a second factor for the staff who turned it on."""

from django.contrib import admin
from django.urls import path

from . import two_factor

# The admin's home, in the order an operator needs it: what they post first, what they
# never use last (the apps not named here, alphabetically, under their readable names).
APP_ORDER = ["incidents", "subscribers", "integrations", "auth"]
MODEL_ORDER = {
    "incidents": [
        "incident",
        "incidentupdate",
        "component",
        "componentgroup",
        "incidenttemplate",
        "auditentry",
    ],
    "subscribers": ["subscriber", "notification", "delivery"],
    "integrations": ["integration", "awaitingapproval"],
}


def _rank(order, name):
    return order.index(name) if name in order else len(order)


class StatusAdminSite(admin.AdminSite):
    site_header = "Status page administration"
    site_title = "Status page admin"
    index_title = "Incidents, components and followers"
    login_form = two_factor.LoginForm
    login_template = "admin/login_two_factor.html"

    def has_permission(self, request):
        # A session that has not given the code of an enrolled device is not staff yet.
        return super().has_permission(request) and two_factor.is_satisfied(request.user)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)  # alphabetical; sorts are stable
        apps.sort(key=lambda app: _rank(APP_ORDER, app["app_label"]))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(key=lambda model: _rank(order, model["object_name"].lower()))
        return apps

    def get_urls(self):
        return [
            path("two-factor/", self.admin_view(self.two_factor_view), name="two_factor"),
            path(
                "two-factor/qr.svg",
                self.admin_view(two_factor.qr_code_view),
                name="two_factor_qr",
            ),
            *super().get_urls(),
        ]

    def two_factor_view(self, request):
        return two_factor.setup_view(request, self.each_context(request))
