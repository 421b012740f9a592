"""Error pages: plain, translated, never a stack trace, and nothing the person typed is lost."""

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        _("Something in the request was wrong"),
        _("Go back, check what you entered and try again."),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("Not for you"),
        _("Your account cannot open this page. Ask a coordinator if you think it should."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        _("Page not found"),
        _("This page does not exist. Check the address, or start again from the first page."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it can be told apart: a database that is
    # restarting is a 503 (try again shortly), not a fault in Haven.
    status = 503 if isinstance(sys.exception(), DatabaseError) else 500
    return _error(
        request,
        status,
        _("Please try again in a minute"),
        _(
            "Haven could not finish this just now. Nothing you sent is lost: go back and send it "
            "again in a minute."
        ),
    )


def api_denied(request: HttpRequest, status: int) -> HttpResponse:
    message = (
        _("Send a valid API token: Authorization: Bearer hvn_…")
        if status == 401
        else _("This token's member cannot use this endpoint.")
    )
    response = JsonResponse({"detail": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="haven"'
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page expired (or cookies were cleared)."""
    return _error(
        request,
        403,
        _("This page expired"),
        _(
            "Go back, reload the page and send it again. If it keeps happening, allow cookies "
            "for this site."
        ),
    )
