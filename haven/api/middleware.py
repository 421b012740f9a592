"""The API's language: what the client asks for, and English when it asks for nothing."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    """A requester's page falls back to Russian, the language most of them read; a program that
    sends no Accept-Language is more likely read by a developer, so the API answers in English.

    Sits right after Django's LocaleMiddleware, which has already honoured a header that was sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX) and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
