from django.conf import settings


def site(request):
    """The page's name and address, which every template shows."""
    return {"page_name": settings.STATUS_PAGE_NAME, "site_url": settings.SITE_URL}
