"""The public pages of the volunteer network: choosing a group and applying to help it. They load
no script."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from haven.intake.queries import organisation_taking_requests, organisations_taking_requests
from haven.intake.views import requester_page
from haven.volunteers import vetting
from haven.volunteers.forms import ApplicationForm


@requester_page
def choose(request: HttpRequest) -> HttpResponse:
    """Where several groups share one install, the applicant picks the one to join; with one,
    go straight on. An application goes only to the group it names."""
    organisations = organisations_taking_requests()
    if len(organisations) == 1:
        return redirect("volunteer-apply", slug=organisations[0].slug)
    return render(request, "volunteers/choose.html", {"organisations": organisations})


@requester_page
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """Offer to help the group the address names. No account yet: the answer says what happens
    next."""
    organisation = organisation_taking_requests(slug)
    if organisation is None:
        raise Http404
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _application, code = vetting.application_submit(
            organisation=organisation, **form.cleaned_data
        )
        return render(
            request,
            "volunteers/applied.html",
            {"code": code, "organisation": organisation, "needed": organisation.vouches_required},
            status=201,
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "volunteers/apply.html",
        {"form": form, "organisation": organisation},
        status=status,
    )
