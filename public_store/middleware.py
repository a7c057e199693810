from django.urls import Resolver404, resolve

from . import serving
from .http import SAFE_METHODS


class PublicStoreMiddleware:
    """Serve public views from the public store.

    It sits right after WhiteNoise: a stored page needs no session, user or CSRF
    machinery, so the middleware below it never runs for one. Methods a public view does
    not answer are refused here too, before anything could render it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django checks the Host header (ALLOWED_HOSTS) in CommonMiddleware, below this
        # one: without this, any Host would get a stored page (DisallowedHost is a 400).
        request.get_host()
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        page = getattr(match.func, "public_page", None)
        if page is None:
            return self.get_response(request)
        if request.method in SAFE_METHODS:
            return serving.serve(request, match.func, match.args, match.kwargs)
        if request.method in page.methods:
            return self.get_response(request)  # the view's own: a sign-up, a CORS preflight
        return serving.not_allowed(page)
