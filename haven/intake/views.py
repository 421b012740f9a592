"""Requester pages. They load no script and nothing from another origin (see CSP below), and every
one of them carries the quick-exit button."""

import logging
import secrets
import time
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.html import escape
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import unlock
from haven.cases.models import Case
from haven.crypto import InvalidCodename
from haven.crypto.codenames import codename_language, normalise, requester_key_pair
from haven.intake.forms import CodenameForm, RequestForm, codename_error_message
from haven.intake.queries import (
    TooManyAttempts,
    case_by_codename,
    organisation_taking_requests,
    organisations_taking_requests,
)
from haven.intake.services import (
    Submission,
    SubmissionConflict,
    intake_within_budget,
    request_submit,
)
from haven.messaging.services import unread_for_requester
from haven.notifications.forms import PingForm
from haven.notifications.queries import ping_of
from haven.notifications.services import ping_remove, ping_set, ping_switch
from haven.volunteers.queries import place_for_requester

logger = logging.getLogger(__name__)

REQUESTER_SESSION = "haven.requester-case"
REQUESTER_SINCE = "haven.requester-since"
REQUESTER_SESSION_SECONDS = 30 * 60

NO_SCRIPT_POLICY = {**settings.SECURE_CSP, "script-src": [CSP.NONE]}


def requester_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as a requester page: no script at all."""
    return csp_override(NO_SCRIPT_POLICY)(view)


@requester_page
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: ask for help, or come back with a codename."""
    return render(request, "intake/home.html", {"organisations": organisations_taking_requests()})


@requester_page
def choose(request: HttpRequest) -> HttpResponse:
    """Where several groups share one install, the requester picks one; with one, go straight on."""
    organisations = organisations_taking_requests()
    if len(organisations) == 1:
        return redirect("intake:ask", slug=organisations[0].slug)
    return render(request, "intake/choose.html", {"organisations": organisations})


@requester_page
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    """The request form. A valid POST is answered with the codename, shown this once.

    Beyond the install's intake budget for this minute the answer is a short "try again in a
    minute" page (429) that keeps the answers in hidden fields; when the database cannot be
    reached, the form itself comes back with what was typed (503). Either way pressing Send again
    is all it takes, and the submission key makes that retry safe.
    """
    if request.method == "POST":
        try:
            return _ask_post(request, slug)
        except DatabaseError:
            logger.warning("intake: database unavailable, form returned to the requester")
            return _database_away(request, slug, RequestForm(request.POST))
    organisation = organisation_taking_requests(slug)
    if organisation is None:
        raise Http404
    today = timezone.localdate()
    form = RequestForm(initial=_blank_answers(today, submission=secrets.token_urlsafe(24)))
    return render(
        request,
        "intake/ask.html",
        {
            "form": form,
            "organisation": organisation,
            "blank_fields": _blank_fields(get_language() or settings.LANGUAGE_CODE, today),
        },
    )


def _blank_answers(today: date, *, submission: str) -> dict[str, object]:
    return {"submission": submission, "date_from": today, "group_size": 1}


@lru_cache(maxsize=8)
def _blank_fields(language: str, today: date) -> str:
    """The empty request form's visible fields, drawn once per language and day: everyone who
    opens the form gets the same, and drawing them is most of what the page costs. Only the
    submission key (hidden) differs from one page to the next."""
    with override(language):
        form = RequestForm(initial=_blank_answers(today, submission=""))
        return render_to_string("intake/request_fields.html", {"form": form})


def _ask_post(request: HttpRequest, slug: str) -> HttpResponse:
    # The budget first: beyond it, a flood is answered without touching the database.
    if not intake_within_budget():
        return _busy(request, slug)
    organisation = organisation_taking_requests(slug)
    if organisation is None:
        raise Http404
    form = RequestForm(request.POST)
    if not form.is_valid():
        return render(
            request, "intake/ask.html", {"form": form, "organisation": organisation}, status=400
        )
    try:
        accepted = request_submit(
            organisation=organisation,
            submission=Submission.from_cleaned(form.cleaned_data),
            submission_key=form.cleaned_data["submission"],
            codename_language=codename_language(get_language()),
        )
    except SubmissionConflict:
        form.add_error(
            None,
            _(
                "This form was already sent with other answers. If you did not get a codename, "
                "open the form again and send it once more."
            ),
        )
        return render(
            request, "intake/ask.html", {"form": form, "organisation": organisation}, status=409
        )
    # The page is the same for everyone but for the seven words; drawing it was a tenth of an
    # intake.
    head, tail = _drawn_around(request, "intake/codename.html", "codename")
    return HttpResponse(head + escape(accepted.codename) + tail, status=201)


def _busy(request: HttpRequest, slug: str) -> HttpResponse:
    """The answer beyond the intake budget: a small page, not the whole form, for in a flood this
    answer must stay cheap. What was typed rides along in hidden fields, with the same submission
    key, so that one press sends it again."""
    head, tail = _drawn_around(request, "intake/busy.html", "hidden_fields", slug=slug)
    hidden: list[str] = [csrf_input(request)]
    for name, values in request.POST.lists():
        if name != "csrfmiddlewaretoken":
            hidden.extend(
                f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                for value in values
            )
    return HttpResponse(head + "".join(hidden) + tail, status=429)


# Stands where the one part that differs goes while a page is drawn (see _drawn_around).
_HOLE = f"hole-{secrets.token_hex(16)}"
_drawn: dict[tuple[str, str, str], tuple[str, str]] = {}


def _drawn_around(
    request: HttpRequest, template: str, hole: str, **context: object
) -> tuple[str, str]:
    """A requester page before and after the one part that differs between requesters (the
    `hole` variable), drawn once per template, path and language: under load, drawing the same
    page again for everyone cost more than the request's own work. The caller escapes what it
    puts between the two halves."""
    key = (template, request.path, get_language() or settings.LANGUAGE_CODE)
    parts = _drawn.get(key)
    if parts is None:
        page = render_to_string(template, {**context, hole: _HOLE}, request)
        head, found, tail = page.partition(_HOLE)
        if not found or _HOLE in tail:
            raise RuntimeError(f"{template} must show {hole} exactly once")
        if "csrfmiddlewaretoken" in page:  # the drawn page is shared by every requester
            raise RuntimeError(f"{template} may carry a CSRF token only inside {hole}")
        if len(_drawn) > 256:  # few organisations; a made-up path only churns this, boundedly
            _drawn.clear()
        parts = _drawn[key] = (head, tail)
    return parts


def _database_away(request: HttpRequest, slug: str, form: RequestForm) -> HttpResponse:
    """The form as it was sent, under a notice to wait a minute and send it again."""
    return render(
        request,
        "intake/ask.html",
        {"form": form, "organisation": None, "slug": slug, "busy": True},
        status=503,
    )


# How much of a request over DATA_UPLOAD_MAX_MEMORY_SIZE is still read, to show it back.
KEEP_OF_TOO_LARGE = 2 * 1024 * 1024


@requester_page
def ask_too_large(request: HttpRequest, slug: str) -> HttpResponse:
    """A request form over the size limit: refused, but shown back with every answer in it and
    the too-long ones marked, so nothing typed is lost. Nothing is stored.

    Django refuses the body before it is read; here at most KEEP_OF_TOO_LARGE of it is read, so a
    huge post still costs little memory (whatever lay beyond that is what cannot be shown back).
    """
    organisation = organisation_taking_requests(slug)
    if organisation is None:
        raise Http404
    try:
        raw = request.read(KEEP_OF_TOO_LARGE)
    except OSError:
        raw = b""
    try:
        data = QueryDict(raw, mutable=True, encoding=request.encoding or settings.DEFAULT_CHARSET)
    except TooManyFieldsSent:
        data = QueryDict(mutable=True)
    if not data.get("submission"):  # cut off with the end of the body: Send again needs one
        data["submission"] = secrets.token_urlsafe(24)
    form = RequestForm(data)
    form.is_valid()
    form.add_error(
        None,
        _(
            "Your request was too long to send, so nothing was sent yet. Your answers are "
            "below: shorten the ones marked, then press Send again."
        ),
    )
    return render(
        request, "intake/ask.html", {"form": form, "organisation": organisation}, status=413
    )


def requester_case(request: HttpRequest) -> Case | None:
    """The case this browser logged in to, if the login is younger than half an hour."""
    case_id = request.session.get(REQUESTER_SESSION)
    since = request.session.get(REQUESTER_SINCE, 0)
    if not case_id:
        return None
    if time.time() - since > REQUESTER_SESSION_SECONDS:
        request.session.flush()
        return None
    return Case.objects.select_related("organisation").filter(pk=case_id).first()


@requester_page
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """Log in with the codename and see where the request stands."""
    if request.method == "GET":
        case = requester_case(request)
        if case is None:
            return render(request, "intake/status_login.html", {"form": CodenameForm()})
        return _status_page(request, case)
    form = CodenameForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/status_login.html", {"form": form}, status=400)
    try:
        codename = normalise(form.cleaned_data["codename"])
        case = case_by_codename(codename)
    except InvalidCodename as error:
        form.add_error("codename", codename_error_message(error))
        return render(request, "intake/status_login.html", {"form": form}, status=400)
    except TooManyAttempts:
        return render(request, "intake/too_many.html", status=429)
    if case is None:
        form.add_error(
            "codename",
            _("No request has this codename. Check the words and their order, then try again."),
        )
        return render(request, "intake/status_login.html", {"form": form}, status=400)
    # A fresh session key, so whatever session existed before login cannot follow the requester.
    request.session.cycle_key()
    request.session[REQUESTER_SESSION] = str(case.pk)
    request.session[REQUESTER_SINCE] = int(time.time())
    # The requester's key, for anything sealed to them, kept like a member's: half in the session,
    # half in this browser's cookie.
    unlock.begin(request, requester_key_pair(codename).private, field=unlock.REQUESTER_FIELD)
    # A cookie that dies with the browser, never one written to disk with a date on it.
    request.session.set_expiry(0)
    return redirect("intake:status")


def _status_page(
    request: HttpRequest,
    case: Case,
    *,
    ping_form: PingForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    ping = ping_of(case.pk)
    if ping_form is None:
        language = ping.language if ping else get_language() or settings.LANGUAGE_CODE
        ping_form = PingForm(initial={"language": language})
    place = place_for_requester(case.pk, unlock.requester_private_key(request))
    context = {
        "case": case,
        "place": place,
        "unread": unread_for_requester(case),
        "ping": ping,
        "ping_form": ping_form,
        "notice": notice,
    }
    return render(request, "intake/status.html", context, status=status)


@requester_page
@require_POST
def ping(request: HttpRequest) -> HttpResponse:
    """The logged-in requester leaves, changes, switches off or forgets their ping address.
    The address is never shown back, not even to them: whoever learns the codename learns no
    address."""
    case = requester_case(request)
    if case is None:
        return redirect("intake:status")
    action = request.POST.get("do", "")
    if case.shredded:
        return _status_page(request, case, status=400)
    if action == "set":
        form = PingForm(request.POST)
        if form.is_valid():
            try:
                ping_set(
                    case=case,
                    address=form.cleaned_data["address"],
                    language=form.cleaned_data["language"],
                )
            except ValidationError as error:
                form.add_error("language" if error.code == "language" else "address", error)
        if not form.is_valid():
            return _status_page(request, case, ping_form=form, status=400)
        return _status_page(
            request, case, notice=_("Saved. When there is an answer for you, you get a ping.")
        )
    if action in ("on", "off"):
        if not ping_switch(case=case, enabled=action == "on"):
            return _status_page(request, case, notice=_("Leave an address first."), status=400)
        notice = _("Pings are on.") if action == "on" else _("Pings are off.")
        return _status_page(request, case, notice=notice)
    if action == "remove":
        ping_remove(case=case)
        return _status_page(request, case, notice=_("Your ping address is forgotten."))
    return _status_page(request, case, notice=_("Choose one of the buttons."), status=400)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Log the requester out."""
    request.session.flush()
    return redirect("intake:home")


def quick_exit(request: HttpRequest, *args: Any) -> HttpResponse:
    """Leave at once: end the session, ask the browser to forget this site, go somewhere dull."""
    request.session.flush()
    response = HttpResponseRedirect(settings.HAVEN_QUICK_EXIT_URL, status=303)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
