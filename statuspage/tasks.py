from django.tasks import task

from . import public_cache


@task
def warm_public_pages() -> int:
    """Render the busiest public pages right after a change, before visitors ask."""
    return public_cache.warm()
