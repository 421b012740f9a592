"""The case page's sharing with counselors, and stopping it."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.models import Member
from haven.accounts.unlock import LOCKED_MESSAGE
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.forms import ShareForm
from haven.cases.sharing import case_share, case_unshare
from haven.cases.views.page import back_to_case, case_or_404, case_page, counselor_choices


@require_POST
def case_share_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Share a case with a counselor: they get its key, sealed to them."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = ShareForm(request.POST, counselors=counselor_choices(member, case))
    if not form.is_valid():
        return case_page(request, case, forms={"share": form}, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, LOCKED_MESSAGE)
        return case_page(request, case, forms={"share": form}, status=403)
    counselor = Member.objects.get(pk=form.cleaned_data["member"])
    try:
        case_share(actor=member, keyring=keyring, case=case, member=counselor)
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"share": form}, status=409)
    return back_to_case(request, case, _("Shared with %(handle)s.") % {"handle": counselor.handle})


@require_POST
def case_unshare_view(request: HttpRequest, case_id: UUID, member_id: int) -> HttpResponse:
    """Stop sharing a case with a counselor."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    counselor = Member.objects.filter(pk=member_id, organisation_id=member.organisation_id).first()
    if counselor is None:
        raise Http404
    case_unshare(actor=member, case=case, member=counselor)
    return back_to_case(
        request, case, _("No longer shared with %(handle)s.") % {"handle": counselor.handle}
    )
