"""What the apps' ModelAdmins share."""


class DeletesThroughServices:
    """Bulk deletes one by one through `delete_model`, hence through the app's service
    (audit trail, public pages, outbox), never with a bare `queryset.delete()`."""

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnly:
    """A record written only by the app's services or the system (audit trail, alerts,
    payloads): shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
