"""The API's bearer tokens, checked before any view of the API runs."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from haven.accounts.tokens import api_token_unlock
from haven.core.authz import ROUTES, Who
from haven.core.views import api_denied


class ApiTokenMiddleware:
    """Unlock the member of an API route's bearer token (`request.api_unlocked`), or refuse it.

    It runs just before haven.core.middleware.AuthorizationMiddleware, which refuses an API route
    whose request this has not unlocked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        match = request.resolver_match
        rule = ROUTES.get(match.view_name if match else "")
        if rule not in (Who.API_MEMBER, Who.API_COORDINATOR):
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        unlocked = api_token_unlock(raw) if scheme.lower() == "bearer" and raw else None
        if unlocked is None:
            return api_denied(request, 401)
        if rule == Who.API_COORDINATOR and not unlocked.member.is_coordinator:
            return api_denied(request, 403)
        request.api_unlocked = unlocked  # type: ignore[attr-defined]  # read by haven.api
        return None
