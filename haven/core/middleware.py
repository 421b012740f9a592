"""Headers every response carries, beyond what Django's own middleware sets."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

logger = logging.getLogger(__name__)

_PERMISSIONS = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
    "browsing-topics=()"
)


class SecurityHeadersMiddleware:
    """No caching of anything but static files, no permissions, no cross-origin embedding."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            # Every page may hold personal data or reveal that someone asked for help.
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        response.setdefault("Permissions-Policy", _PERMISSIONS)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response


class AuthorizationMiddleware:
    """Enforce haven.core.authz.ROUTES before any view runs; unknown routes are refused."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        from haven.core.authz import ROLE_CHECKS, ROUTES, WITHOUT_SECOND_FACTOR, Who
        from haven.core.views import api_denied, forbidden

        match = request.resolver_match
        view_name = match.view_name if match else ""
        rule = ROUTES.get(view_name)
        if rule is None:
            logger.error("route %s has no rule in haven.core.authz.ROUTES", view_name)
            return forbidden(request)
        if rule in (Who.ANYONE, Who.API_ANYONE):
            return None
        if rule in (Who.API_MEMBER, Who.API_COORDINATOR):
            # haven.accounts.api_middleware.ApiTokenMiddleware, just before this one, checked the
            # bearer token; without it, the route stays shut.
            unlocked = getattr(request, "api_unlocked", None)
            return None if unlocked is not None else api_denied(request, 401)
        member = getattr(request, "user", None)
        if member is None or not member.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        if (
            member.needs_second_factor()
            and not member.has_second_factor
            and view_name not in WITHOUT_SECOND_FACTOR
        ):
            return redirect("accounts:second-factor")
        if rule == Who.COORDINATOR and not member.is_coordinator:
            return forbidden(request)
        if rule in (Who.MEMBER, Who.COORDINATOR):
            return None
        # A role an app decides: refused when no app has said how to tell it.
        check = ROLE_CHECKS.get(rule)
        if check is None or not check(member):
            return forbidden(request)
        return None
