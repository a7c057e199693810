from django.urls import Resolver404, resolve

from . import public_cache


class PublicCacheMiddleware:
    """Serve public views from the render-once store (statuspage.public_cache).

    It sits right after WhiteNoise: a stored page needs no session, user or CSRF
    machinery, so the middleware below it never runs for one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django checks the Host header (ALLOWED_HOSTS) in CommonMiddleware, below this
        # one: without this, any Host would get a stored page (DisallowedHost is a 400).
        request.get_host()
        if request.method in ("GET", "HEAD"):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "public_page", False):
                return public_cache.serve(request, match.func, match.args, match.kwargs)
        return self.get_response(request)
