"""Messages: volunteers write from the case page; the requester reads and answers in an inbox
behind the codename login (no script, like every requester page), and may shred their request."""

from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.models import Member
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.models import Case
from haven.cases.queries import case_for
from haven.cases.retention import case_shred
from haven.cases.views.page import OPENED_SESSION, back_to_case, case_page
from haven.crypto import InvalidCodename
from haven.crypto.codenames import lookup_digest, normalise
from haven.intake.forms import CodenameForm
from haven.intake.views import requester_case, requester_page
from haven.messaging.forms import ForgetForm, ReplyForm, StaffMessageForm
from haven.messaging.models import Message
from haven.messaging.photos import MAX_UPLOAD_BYTES, PhotoRefused, clean_photo, too_large_message
from haven.messaging.services import (
    message_from_requester,
    message_to_requester,
    photo_for_requester,
    photo_for_staff,
    thread_for_requester,
)


def _photo_response(photo: bytes) -> HttpResponse:
    response = HttpResponse(photo, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = 'inline; filename="photo.jpg"'
    return response


# The volunteers' side.


@require_POST
def message_send(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Write to the requester; the message is sealed so that only the case and they can read it."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_for(member, case_id)
    if case is None:
        raise Http404
    form = StaffMessageForm(request.POST)
    if not form.is_valid():
        return case_page(request, case, forms={"message": form}, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return case_page(request, case, forms={"message": form}, status=403)
    if str(case.pk) not in request.session.get(OPENED_SESSION, []):
        form.add_error(None, _("Open the case's sealed details first, with a reason."))
        return case_page(request, case, forms={"message": form}, status=403)
    try:
        message_to_requester(
            actor=member,
            keyring=keyring,
            case=case,
            text=form.cleaned_data["text"],
            wait_for_answer=form.cleaned_data["wait_for_answer"],
        )
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"message": form}, status=409)
    return back_to_case(request, case, _("Sent. The requester sees it after logging in."))


@require_GET
def staff_photo(request: HttpRequest, case_id: UUID, message_id: UUID) -> HttpResponse:
    """A photo the requester sent, for a member who opened the case in this session."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_for(member, case_id)
    message = (
        Message.objects.filter(case=case, pk=message_id, has_photo=True).first() if case else None
    )
    if case is None or message is None:
        raise Http404
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None or str(case.pk) not in request.session.get(OPENED_SESSION, []):
        return HttpResponse(
            _("Open the case's sealed details first, with a reason."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    try:
        return _photo_response(photo_for_staff(keyring=keyring, message=message))
    except RevealRefused as refusal:
        return HttpResponse(str(refusal), status=403, content_type="text/plain; charset=utf-8")


# The requester's side.


def _logged_in(request: HttpRequest) -> tuple[Case, bytes] | None:
    case = requester_case(request)
    private = unlock.requester_private_key(request)
    if case is None or private is None:
        return None
    return case, private


def _inbox(
    request: HttpRequest, case: Case, private: bytes, form: ReplyForm, status: int = 200
) -> HttpResponse:
    try:
        thread = thread_for_requester(case=case, requester_private=private)
    except RevealRefused as refusal:
        thread = []
        form.add_error(None, str(refusal))
    return render(
        request,
        "messaging/inbox.html",
        {"case": case, "thread": thread, "form": form, "sent": request.GET.get("sent") == "1"},
        status=status,
    )


@requester_page
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The requester's messages with the volunteers, and the form to answer."""
    logged_in = _logged_in(request)
    if logged_in is None:
        if request.method == "POST" and (kept := request.POST.get("text", "").strip()):
            # The login ended while they wrote: show what they typed rather than lose it.
            context = {"form": CodenameForm(), "kept_text": kept}
            return render(request, "intake/status_login.html", context, status=401)
        return redirect("intake:status")
    case, private = logged_in
    if request.method == "GET":
        return _inbox(request, case, private, ReplyForm())
    form = ReplyForm(request.POST, request.FILES)
    too_large = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES
    if not form.is_valid():
        if too_large and "photo" not in request.FILES:
            form.errors.pop("__all__", None)
            form.add_error("photo", too_large_message())
        return _inbox(request, case, private, form, status=400)
    photo = None
    if form.cleaned_data["photo"]:
        try:
            photo = clean_photo(form.cleaned_data["photo"].read())
        except PhotoRefused as refusal:
            form.add_error("photo", str(refusal))
            return _inbox(request, case, private, form, status=400)
    elif too_large:
        form.add_error("photo", too_large_message())
        return _inbox(request, case, private, form, status=400)
    try:
        message_from_requester(
            case=case,
            requester_private=private,
            text=form.cleaned_data["text"].strip(),
            photo=photo,
        )
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return _inbox(request, case, private, form, status=409)
    return redirect(f"{request.path}?sent=1")


@require_GET
def requester_photo(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """A photo the requester sent, shown back to them."""
    logged_in = _logged_in(request)
    if logged_in is None:
        return redirect("intake:status")
    case, private = logged_in
    message = Message.objects.filter(case=case, pk=message_id, has_photo=True).first()
    if message is None:
        raise Http404
    try:
        return _photo_response(photo_for_requester(message=message, requester_private=private))
    except RevealRefused:
        raise Http404 from None


@requester_page
@require_http_methods(["GET", "POST"])
def forget(request: HttpRequest) -> HttpResponse:
    """ "Forget me": the requester shreds their own request, confirming with the codename."""
    logged_in = _logged_in(request)
    if logged_in is None:
        return redirect("intake:status")
    case, _private = logged_in
    if request.method == "GET":
        return render(request, "messaging/forget.html", {"form": ForgetForm()})
    form = ForgetForm(request.POST)
    if form.is_valid():
        try:
            codename = normalise(form.cleaned_data["codename"])
        except InvalidCodename:
            codename = ""
        digest = lookup_digest(codename, pepper=settings.HAVEN_PEPPER.encode()) if codename else b""
        if digest != bytes(case.codename_digest):
            form.add_error(
                "codename", _("These are not the words of this request. Check them and try again.")
            )
    if not form.is_valid():
        return render(request, "messaging/forget.html", {"form": form}, status=400)
    case_shred(actor=None, case=case, reason="forget")
    request.session.flush()
    return render(request, "messaging/forgotten.html")
