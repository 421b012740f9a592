"""The project's answers to a refused request where a page has its own: the request form shown
back with what was typed (haven.intake); every other page gets haven.core.views' plain one."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve

from haven.core import views
from haven.intake.expired import ask_expired
from haven.intake.views import ask_too_large


def _resolved(request: HttpRequest) -> ResolverMatch | None:
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig) and request.method == "POST":
        match = _resolved(request)
        if match is not None and match.view_name == "intake:ask":
            return ask_too_large(request, match.kwargs["slug"])
    return views.bad_request(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page expired (or cookies were cleared). Show the form again with what was typed."""
    match = _resolved(request)
    if match is not None and match.view_name == "intake:ask" and request.method == "POST":
        shown = ask_expired(request, match.kwargs.get("slug"))
        if shown is not None:
            return shown
    return views.csrf_failure(request, reason)
