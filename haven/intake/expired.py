"""The request form shown back when its page had expired (the CSRF check failed): nothing was
sent yet, and nothing the requester typed is lost."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from haven.accounts.models import Organisation
from haven.intake.forms import RequestForm


def ask_expired(request: HttpRequest, slug: str | None) -> HttpResponse | None:
    """The form again with the posted answers and a note to send it again (None: no such
    organisation, so the plain expired page answers)."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return None
    form = RequestForm(request.POST)
    form.is_valid()
    form.add_error(
        None,
        _(
            "This page had expired, so nothing was sent yet. Your answers are below: "
            "check them and press Send again."
        ),
    )
    return render(
        request,
        "intake/ask.html",
        {"form": form, "organisation": organisation},
        status=403,
    )
