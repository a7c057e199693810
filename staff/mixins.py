"""What the apps' ModelAdmins share."""


class DeletesThroughServices:
    """Bulk deletes one by one through `delete_model`, hence through the app's service
    (audit trail, public pages, outbox), never with a bare `queryset.delete()`."""

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
