from django.conf import settings


def site(request):
    return {"page_name": settings.STATUS_PAGE_NAME, "site_url": settings.SITE_URL}
