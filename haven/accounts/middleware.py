from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from haven.accounts import unlock


class UnlockMiddleware:
    """Give each request `request.keyring` (None when locked) and carry the unlock cookie.

    The cookie is set on the response that follows a login and removed once the session no longer
    holds a sealed key (logout, expiry).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.keyring = unlock.keyring_for(request)  # type: ignore[attr-defined]  # per request
        response = self.get_response(request)
        pending = getattr(request, "_haven_unlock_cookie", None)
        if pending:
            unlock.set_cookie(response, pending)
        elif unlock.cookie_present(request) and not any(
            field in request.session for field in unlock.ALL_FIELDS
        ):
            unlock.clear_cookie(response)
        return response
