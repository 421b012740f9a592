"""Referral pages: the partner directory and referring a case (coordinators), arrivals from
partners (coordinators of the receiving organisation), and the requester's consent (no script)."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import LOCKED_MESSAGE, Keyring
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.queries import case_for
from haven.intake.views import requester_case, requester_page
from haven.messaging.photos import JPEG_START
from haven.messaging.services import requester_sends
from haven.referrals import queries
from haven.referrals.arrivals import arrival_answer, document_open
from haven.referrals.envelopes import Malformed, b64, unb64
from haven.referrals.forms import (
    FIELD_LABELS,
    AcceptKeyForm,
    AnswerForm,
    ConsentForm,
    LocalPartnerForm,
    PartnerReplyForm,
    ProposeForm,
    RemotePartnerForm,
)
from haven.referrals.models import Referral, ReferralStatus
from haven.referrals.partners import (
    identity_ensure,
    partner_accept_key,
    partner_add_local,
    partner_add_remote,
)
from haven.referrals.proposals import referral_consent, referral_propose, referral_reply
from haven.referrals.rules import ReferralRefused


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # AuthorizationMiddleware checked


def _keyring(request: HttpRequest) -> Keyring | None:
    return request.keyring  # type: ignore[attr-defined]  # set by AuthorizationMiddleware


# The directory.


def _candidates(member: Member) -> list[tuple[int, str]]:
    return [(org.pk, org.name) for org in queries.local_candidates(member.organisation)]


def _partners_page(
    request: HttpRequest,
    *,
    local_form: LocalPartnerForm | None = None,
    remote_form: RemotePartnerForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    member = _member(request)
    identity = queries.identity_of(member.organisation)
    return render(
        request,
        "referrals/partners.html",
        {
            "identity": identity,
            "keys": f"{b64(bytes(identity.signing_public))} {b64(bytes(identity.box_public))}"
            if identity
            else "",
            "partners": queries.partners_of(member.organisation),
            "local_form": local_form or LocalPartnerForm(candidates=_candidates(member)),
            "remote_form": remote_form or RemotePartnerForm(),
            "accept_form": AcceptKeyForm(),
            "error": error,
        },
        status=status,
    )


@require_GET
def partners(request: HttpRequest) -> HttpResponse:
    """The organisations this one refers to, with their fingerprints, and our own."""
    return _partners_page(request)


@require_POST
def identity_setup(request: HttpRequest) -> HttpResponse:
    """Derive and publish the organisation's signing key, so partners can add it."""
    keyring = _keyring(request)
    if keyring is None:
        return _partners_page(request, error=str(LOCKED_MESSAGE), status=403)
    try:
        identity_ensure(keyring=keyring)
    except ReferralRefused as refusal:
        return _partners_page(request, error=str(refusal), status=403)
    return redirect("referrals:partners")


@require_POST
def partner_local(request: HttpRequest) -> HttpResponse:
    """Add an organisation of this install, picked from the list."""
    member = _member(request)
    form = LocalPartnerForm(request.POST, candidates=_candidates(member))
    if not form.is_valid():
        return _partners_page(request, local_form=form, status=400)
    other = Organisation.objects.filter(pk=int(form.cleaned_data["organisation"])).first()
    if other is None:
        raise Http404
    try:
        partner_add_local(
            actor=member,
            other=other,
            needs=form.cleaned_data["needs"],
            countries=form.cleaned_data["countries"],
            languages=form.cleaned_data["languages"],
        )
    except ReferralRefused as refusal:
        form.add_error(None, str(refusal))
        return _partners_page(request, local_form=form, status=400)
    return redirect("referrals:partners")


@require_POST
def partner_remote(request: HttpRequest) -> HttpResponse:
    """Add an organisation of another install by address, keys and compared fingerprint."""
    member = _member(request)
    form = RemotePartnerForm(request.POST)
    if not form.is_valid():
        return _partners_page(request, remote_form=form, status=400)
    try:
        signing_text, box_text = form.cleaned_data["keys"].split()
        signing, box = unb64(signing_text), unb64(box_text)
        if len(signing) != 32 or len(box) != 32:
            raise Malformed("bad key length")
    except (ValueError, Malformed):
        form.add_error("keys", _("Paste the whole line of keys their Partners page shows."))
        return _partners_page(request, remote_form=form, status=400)
    try:
        partner_add_remote(
            actor=member,
            name=form.cleaned_data["name"],
            address=form.cleaned_data["address"],
            signing_public=signing,
            box_public=box,
            typed_fingerprint=form.cleaned_data["fingerprint"],
            needs=form.cleaned_data["needs"],
            countries=form.cleaned_data["countries"],
            languages=form.cleaned_data["languages"],
        )
    except ReferralRefused as refusal:
        form.add_error(None, str(refusal))
        return _partners_page(request, remote_form=form, status=400)
    return redirect("referrals:partners")


@require_POST
def partner_key(request: HttpRequest, partner_id: int) -> HttpResponse:
    """Accept a partner's changed keys after comparing the new fingerprint."""
    member = _member(request)
    partner = queries.partner_for(member, partner_id)
    if partner is None:
        raise Http404
    form = AcceptKeyForm(request.POST)
    if not form.is_valid():
        return _partners_page(request, error=_("Type the new fingerprint."), status=400)
    try:
        partner_accept_key(
            actor=member, partner=partner, typed_fingerprint=form.cleaned_data["fingerprint"]
        )
    except ReferralRefused as refusal:
        return _partners_page(request, error=str(refusal), status=400)
    return redirect("referrals:partners")


# Referring a case.


def _refer_page(
    request: HttpRequest, case_id: UUID, form: ProposeForm | None = None, status: int = 200
) -> HttpResponse:
    member = _member(request)
    case = case_for(member, case_id)
    if case is None:
        raise Http404
    choices = [
        (partner.pk, partner.name)
        for partner in queries.partners_of(member.organisation)
        if partner.confirmed
    ]
    return render(
        request,
        "referrals/refer.html",
        {
            "case": case,
            "form": form or ProposeForm(partners=choices),
            "referrals": queries.referrals_of(case),
            "arrival": queries.arrival_of(case),
            "documents": queries.documents_of(case),
            "field_labels": FIELD_LABELS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Propose referring a case, choosing field by field what goes along."""
    if request.method == "GET":
        return _refer_page(request, case_id)
    member = _member(request)
    case = case_for(member, case_id)
    if case is None:
        raise Http404
    choices = [(p.pk, p.name) for p in queries.partners_of(member.organisation) if p.confirmed]
    form = ProposeForm(request.POST, request.FILES, partners=choices)
    if not form.is_valid():
        return _refer_page(request, case_id, form, status=400)
    keyring = _keyring(request)
    if keyring is None:
        form.add_error(None, LOCKED_MESSAGE)
        return _refer_page(request, case_id, form, status=403)
    partner = queries.partner_for(member, int(form.cleaned_data["partner"]))
    if partner is None:
        raise Http404
    document = form.cleaned_data.get("document")
    try:
        referral_propose(
            actor=member,
            keyring=keyring,
            case=case,
            partner=partner,
            fields=form.cleaned_data["chosen"],
            with_thread=form.cleaned_data["with_thread"],
            with_documents=form.cleaned_data["with_documents"],
            reason=form.cleaned_data["reason"],
            emergency_reason=form.cleaned_data["emergency"],
            documents=[document] if document else [],
        )
    except (ReferralRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return _refer_page(request, case_id, form, status=400)
    return redirect("referrals:refer", case_id=case.pk)


@require_GET
def document(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """A document that came with a referral, opened with the case's key (audited)."""
    member = _member(request)
    found = queries.document_for(member, document_id)
    if found is None:
        raise Http404
    keyring = _keyring(request)
    if keyring is None:
        return _refer_page(request, found.case_id, status=403)
    try:
        data = document_open(actor=member, keyring=keyring, document=found)
    except RevealRefused:
        return _refer_page(request, found.case_id, status=403)
    # The documents a referral carries are the requester's photos, which Haven keeps as JPEGs
    # (messaging.photos); anything else a partner sent is handed out as bytes of no known type.
    photo = data.startswith(JPEG_START)
    content_type, suffix = ("image/jpeg", "jpg") if photo else ("application/octet-stream", "bin")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'attachment; filename="document-{found.number}.{suffix}"'
    return response


# Arrivals.


@require_GET
def arrivals(request: HttpRequest) -> HttpResponse:
    """Referrals partners sent to this organisation."""
    return render(
        request,
        "referrals/arrivals.html",
        {"arrivals": queries.arrivals_of(_member(request)), "form": AnswerForm()},
    )


@require_POST
def arrival_decide(request: HttpRequest, arrival_id: UUID) -> HttpResponse:
    """Accept an arrival (it becomes a case of ours) or decline it (its package is destroyed)."""
    member = _member(request)
    arrival = queries.arrival_for(member, arrival_id)
    if arrival is None:
        raise Http404
    form = AnswerForm(request.POST)
    keyring = _keyring(request)
    error = ""
    if not form.is_valid():
        error = _("Keep the note to the requester under 2000 characters.")
    elif keyring is None:
        error = str(LOCKED_MESSAGE)
    else:
        try:
            done = arrival_answer(
                actor=member,
                keyring=keyring,
                arrival=arrival,
                accept=request.POST.get("answer") == "accept",
                note=form.cleaned_data["note"],
            )
        except ReferralRefused as refusal:
            error = str(refusal)
        else:
            if done.case_id:
                return redirect("desk:case", case_id=done.case_id)
            return redirect("referrals:arrivals")
    return render(
        request,
        "referrals/arrivals.html",
        {"arrivals": queries.arrivals_of(member), "form": form, "error": error},
        status=400,
    )


# The requester's side (no script).


def _status_page(
    request: HttpRequest,
    error: str = "",
    status: int = 200,
    reply: tuple[UUID, PartnerReplyForm] | None = None,
    unsent: str = "",
) -> HttpResponse:
    """The requester's referrals; `reply` is a reply form sent back with its error and text."""
    case = requester_case(request)
    if case is None:
        return redirect("intake:status")
    views = queries.for_requester(case, unlock.requester_private_key(request))
    return render(
        request,
        "referrals/status.html",
        {
            "case": case,
            "views": views,
            "error": error,
            "reply_to": reply[0] if reply else None,
            "sent": request.GET.get("sent", ""),
            "unsent": unsent,
            "reply_form": reply[1] if reply else PartnerReplyForm(),
        },
        status=status,
    )


@requester_page
@require_GET
def requester_referrals(request: HttpRequest) -> HttpResponse:
    """The requester's referrals: proposals to answer, and what each organisation answered."""
    return _status_page(request)


@requester_page
@require_POST
def requester_consent(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The requester accepts or refuses a proposed referral."""
    case = requester_case(request)
    if case is None:
        return redirect("intake:status")
    referral = Referral.objects.filter(pk=referral_id, case=case).first()
    if referral is None:
        raise Http404
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _status_page(request, _("Choose whether to accept or refuse."), status=400)
    try:
        done = referral_consent(
            case=case, referral=referral, accept=form.cleaned_data["answer"] == "accept"
        )
    except ReferralRefused as refusal:
        return _status_page(request, str(refusal), status=400)
    if done.status == ReferralStatus.SENDING and done.partner.local_id is not None:
        # A partner on this install gets it now; another install's, from the worker.
        from haven.referrals.delivery import deliver_due

        deliver_due()
    return redirect("referral-status:list")


@requester_page
@require_POST
def requester_reply(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The requester answers the organisation that took their referred request: on this install,
    into its case's thread; on another, sealed here under its thread key for the worker to relay.
    Either way only the codename opens the words."""
    case = requester_case(request)
    private = unlock.requester_private_key(request)
    if case is None or private is None:
        return redirect("intake:status")
    referral = Referral.objects.filter(pk=referral_id, case=case).select_related("partner").first()
    if referral is None:
        raise Http404
    their_case = queries.receiving_case(referral)
    if their_case is None and not queries.may_answer_across(referral):
        # No form is shown for such a referral: the words come back above it, to be kept.
        return _status_page(
            request,
            _("They have not taken your request here, so this cannot reach them."),
            status=409,
            unsent=str(request.POST.get("text", "")),
        )
    form = PartnerReplyForm(request.POST)
    if not form.is_valid():
        return _status_page(request, status=400, reply=(referral.pk, form))
    text = form.cleaned_data["text"].strip()
    try:
        if their_case is not None:
            requester_sends(case=their_case, requester_private=private, text=text)
        else:
            referral_reply(case=case, referral=referral, requester_private=private, text=text)
    except (CaseRefused, RevealRefused, ReferralRefused) as refusal:
        form.add_error(None, str(refusal))
        return _status_page(request, status=409, reply=(referral.pk, form))
    return redirect(f"{reverse('referral-status:list')}?sent={referral.pk}#referral-{referral.pk}")
