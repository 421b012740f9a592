"""The JSON API, with its OpenAPI document at /api/v1/openapi.json.

Requester endpoints take the same fields and the same validation as the web form. Staff endpoints
take `Authorization: Bearer hvn_…` tokens; haven.core.authz decides who may call what.
"""

import json
import re
import secrets
from collections.abc import Sequence
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from haven.accounts.models import Organisation
from haven.accounts.unlock import Keyring
from haven.api.schemas import (
    CaseOut,
    CasePage,
    CodenameIn,
    Detail,
    Errors,
    IntakeIn,
    IntakeOut,
    MessageIn,
    RevealIn,
    RevealOut,
    SentOut,
    StatusOut,
    ThreadOut,
)
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.models import Case, Need, Urgency
from haven.cases.models import Status as CaseStatus
from haven.cases.queries import DeskFilter, case_for, desk_page
from haven.cases.reveal import case_reveal
from haven.core.places import COUNTRIES
from haven.crypto import InvalidCodename
from haven.crypto.codenames import normalise, requester_key_pair
from haven.intake.forms import SUBMISSION_KEY, RequestForm, codename_error_message
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
from haven.messaging.services import (
    MAX_TEXT,
    SentBefore,
    requester_sends,
    thread_for_requester,
    unread_for_requester,
)

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")
# What haven.accounts.api_middleware answers a staff call before the view runs: 401 without a valid
# token, 403 for a member the endpoint is not for (and the view's own refusals).
REFUSED: dict[int, type[Detail]] = {401: Detail, 403: Detail}


class StaffToken(HttpBearer):
    """Checked by ApiTokenMiddleware before the view; this names the scheme in OpenAPI."""

    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        return getattr(request, "api_unlocked", None)


api = NinjaAPI(
    title="Haven",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
)
api.add_router("", "haven.knowledge.api.router")
api.add_router("", "haven.referrals.api.router")


@api.exception_handler(NinjaValidationError)
def invalid_body(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    """Pydantic's type errors, reported field by field in the caller's language."""
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload")]
        field = location[0] if location else "__all__"
        errors.setdefault(field, []).append(_("Enter a valid value of the right type."))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(ValueError)
def unreadable_body(request: HttpRequest, error: ValueError) -> HttpResponse:
    """A body that is not JSON at all (JSONDecodeError and UnicodeDecodeError are ValueErrors):
    a 400 that says what to send, never the HTML error page or a 500."""
    if not isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
        raise error
    detail = _("The body is not valid JSON. Send one JSON object, encoded as UTF-8.")
    return api.create_response(request, {"detail": detail}, status=400)


def _organisation(slug: str) -> Organisation | None:
    if slug:
        if not SLUG.fullmatch(slug):
            return None
        return organisation_taking_requests(slug)
    open_ones = organisations_taking_requests()
    return open_ones[0] if len(open_ones) == 1 else None


@api.post(
    "/intake",
    response={200: IntakeOut, 201: IntakeOut, 400: Detail, 409: Detail, 422: Errors, 429: Detail},
    url_name="intake",
    summary="Ask for help",
)
def intake(request: HttpRequest, payload: IntakeIn) -> Status[object]:
    """Seal and store a request; answer with its codename. Send an `Idempotency-Key` header
    (16–128 random letters, digits, - or _) so a retry returns the same codename."""
    if not intake_within_budget():
        return Status(
            429,
            {
                "detail": _(
                    "Very many people are asking for help right now. Wait a minute and send the "
                    "same request again, with the same Idempotency-Key."
                )
            },
        )
    organisation = _organisation(payload.organisation)
    if organisation is None:
        message = _("No organisation by this name takes requests here; check the name.")
        if not payload.organisation:
            message = _("Name the organisation to send this to.")
        return Status(422, {"errors": {"organisation": [message]}})
    key = request.headers.get("Idempotency-Key") or secrets.token_urlsafe(24)
    data = payload.dict()
    data["submission"] = key
    form = RequestForm(data)
    if not form.is_valid():
        errors = {
            ("Idempotency-Key" if field == "submission" else field): list(messages)
            for field, messages in form.errors.items()
        }
        return Status(422, {"errors": errors})
    try:
        accepted = request_submit(
            organisation=organisation,
            submission=Submission.from_cleaned(form.cleaned_data),
            submission_key=key,
        )
    except SubmissionConflict:
        return Status(
            409, {"detail": _("This Idempotency-Key was already used with other answers.")}
        )
    body = {
        "codename": accepted.codename,
        "status": accepted.case.status,
        "repeated": accepted.repeated,
    }
    return Status(200 if accepted.repeated else 201, body)


def _requester_case(codename: str) -> tuple[Case, str] | Status[object]:
    """The case a codename opens, or the answer that says why it opens none."""
    try:
        normalised = normalise(codename)
        case = case_by_codename(normalised)
    except InvalidCodename as error:
        return Status(422, {"errors": {"codename": [codename_error_message(error)]}})
    except TooManyAttempts:
        return Status(429, {"detail": _("Too many attempts. Wait a few minutes and try again.")})
    if case is None:
        return Status(404, {"errors": {"codename": [_("No request has this codename.")]}})
    return case, normalised


@api.post(
    "/status",
    response={200: StatusOut, 400: Detail, 404: Errors, 422: Errors, 429: Detail},
    url_name="status",
    summary="Where a request stands",
)
def status(request: HttpRequest, payload: CodenameIn) -> Status[object]:
    """The codename goes in the body, never in the URL."""
    found = _requester_case(payload.codename)
    if isinstance(found, Status):
        return found
    case, _codename = found
    return Status(
        200,
        {
            "status": case.status,
            "status_label": str(CaseStatus(case.status).label),
            "updated": case.updated_hour,
            "unread": unread_for_requester(case),
        },
    )


@api.post(
    "/status/messages",
    response={200: ThreadOut, 400: Detail, 404: Errors, 409: Detail, 422: Errors, 429: Detail},
    url_name="status-messages",
    summary="The conversation with the volunteers",
)
def status_messages(request: HttpRequest, payload: CodenameIn) -> Status[object]:
    """Every message on the request, oldest first, opened with the codename (in the body, never
    in the URL). The volunteers' messages count as read from then on."""
    found = _requester_case(payload.codename)
    if isinstance(found, Status):
        return found
    case, codename = found
    try:
        thread = thread_for_requester(
            case=case, requester_private=requester_key_pair(codename).private
        )
    except RevealRefused as refusal:
        return Status(409, {"detail": str(refusal)})
    return Status(
        200,
        {
            "messages": [
                {
                    "number": opened.message.number,
                    "author": "you" if opened.message.from_requester else "volunteers",
                    "text": opened.text,
                    "photo": opened.message.has_photo,
                    "hour": opened.message.created_hour,
                }
                for opened in thread
            ]
        },
    )


@api.post(
    "/messages",
    response={
        200: SentOut,
        201: SentOut,
        400: Detail,
        404: Errors,
        409: Detail,
        422: Errors,
        429: Detail,
    },
    url_name="messages",
    summary="Write to the volunteers",
)
def messages(request: HttpRequest, payload: MessageIn) -> Status[object]:
    """Send a message on the request the codename opens, sealed on arrival like the status
    page's. Send an `Idempotency-Key` header (16–128 random letters, digits, - or _) so a retry
    whose answer was lost is not stored twice."""
    key = request.headers.get("Idempotency-Key", "")
    errors: dict[str, list[str]] = {}
    text = payload.text.strip()
    if not text:
        errors["text"] = [_("Write the message first.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [
            _("A message may be at most %(limit)d characters; this one has %(length)d.")
            % {"limit": MAX_TEXT, "length": len(text)}
        ]
    if key and not SUBMISSION_KEY.match(key):
        errors["Idempotency-Key"] = [
            _("The Idempotency-Key must be 16 to 128 letters, digits, - or _.")
        ]
    if errors:
        return Status(422, {"errors": errors})
    found = _requester_case(payload.codename)
    if isinstance(found, Status):
        return found
    case, codename = found
    try:
        sent = requester_sends(
            case=case,
            requester_private=requester_key_pair(codename).private,
            text=text,
            idempotency_key=key,
        )
    except SentBefore:
        return Status(
            409, {"detail": _("This Idempotency-Key was already used with another message.")}
        )
    except (CaseRefused, RevealRefused) as refusal:
        return Status(409, {"detail": str(refusal)})
    case.refresh_from_db(fields=["status"])
    body = {"number": sent.message.number, "status": case.status, "repeated": sent.repeated}
    return Status(200 if sent.repeated else 201, body)


def _case_out(case: Case) -> dict[str, object]:
    return {
        "id": case.pk,
        "status": case.status,
        "country": case.country,
        "place": case.place,
        "needs": case.needs,
        "group_size": case.group_size,
        "languages": case.languages,
        "urgency": case.urgency,
        "date_from": case.date_from,
        "date_until": case.date_until,
        "created_hour": case.created_hour,
        "updated_hour": case.updated_hour,
    }


class CaseQuery(Schema):
    """Each filter left out, or sent empty, filters nothing."""

    country: str = Field("", json_schema_extra={"enum": ["", *COUNTRIES]})
    need: str = Field("", json_schema_extra={"enum": ["", *Need.values]})
    urgency: int | None = Field(None, json_schema_extra={"enum": list(Urgency.values)})
    status: str = Field("", json_schema_extra={"enum": ["", *CaseStatus.values]})
    page: int = Field(1, json_schema_extra={"minimum": 1}, description="Past the last, the last")


def _outside_choices(query: CaseQuery) -> dict[str, list[str]]:
    """The filters the document lists choices for, checked against them, field by field."""
    choices: dict[str, tuple[object, Sequence[object]]] = {
        "country": (query.country.upper(), COUNTRIES),
        "need": (query.need, Need.values),
        "urgency": (query.urgency, Urgency.values),
        "status": (query.status, CaseStatus.values),
    }
    errors = {
        name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, allowed))}]
        for name, (value, allowed) in choices.items()
        if value not in ("", None, *allowed)
    }
    if query.page < 1:
        errors["page"] = [_("Pages are counted from 1.")]
    return errors


@api.get(
    "/cases",
    response={200: CasePage, 422: Errors, **REFUSED},
    auth=StaffToken(),
    url_name="cases",
    summary="The desk",
)
def cases(request: HttpRequest, query: Query[CaseQuery]) -> Status[object]:
    """Coarse fields only, most urgent first, then oldest first."""
    member = request.api_unlocked.member  # type: ignore[attr-defined]  # set by the middleware
    errors = _outside_choices(query)
    if errors:
        return Status(422, {"errors": errors})
    page = desk_page(
        member,
        DeskFilter(
            country=query.country.upper(),
            need=query.need,
            urgency=query.urgency,
            status=query.status,
        ),
        query.page,
        settings.HAVEN_DESK_PAGE_SIZE,
    )
    body = {
        "count": page.paginator.count,
        "count_capped": page.paginator.capped,  # type: ignore[attr-defined]  # a CappedPaginator
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_case_out(case) for case in page.object_list],
    }
    return Status(200, body)


@api.get(
    "/cases/{case_id}",
    response={200: CaseOut, 404: Detail, 422: Errors, **REFUSED},
    auth=StaffToken(),
    url_name="case",
    summary="One case, coarse fields",
)
def case(request: HttpRequest, case_id: UUID) -> Status[object]:
    member = request.api_unlocked.member  # type: ignore[attr-defined]  # set by the middleware
    found = case_for(member, case_id)
    if found is None:
        return Status(404, {"detail": _("No such case.")})
    return Status(200, _case_out(found))


@api.post(
    "/cases/{case_id}/reveal",
    response={200: RevealOut, 400: Detail, 404: Detail, 422: Errors, **REFUSED},
    auth=StaffToken(),
    url_name="case-reveal",
    summary="Open the sealed fields, with a reason",
)
def case_reveal_endpoint(request: HttpRequest, case_id: UUID, payload: RevealIn) -> Status[object]:
    unlocked = request.api_unlocked  # type: ignore[attr-defined]  # set by the middleware
    found = case_for(unlocked.member, case_id)
    if found is None:
        return Status(404, {"detail": _("No such case.")})
    keyring = Keyring(member=unlocked.member, _private=unlocked.private_key)
    try:
        opened = case_reveal(
            actor=unlocked.member, keyring=keyring, case=found, reason=payload.reason
        )
    except RevealRefused as refusal:
        return Status(403, {"detail": str(refusal)})
    return Status(200, {"fields": opened.fields})
