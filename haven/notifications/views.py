"""A member's notifications page: where to be told, the off switch, and the cadence."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.models import Member
from haven.notifications import queries
from haven.notifications.forms import CadenceForm, ChannelForm
from haven.notifications.services import (
    address_of,
    cadence_set,
    channel_remove,
    channel_set,
    channel_switch,
)


def _page(
    request: HttpRequest,
    *,
    form: ChannelForm | None = None,
    cadence_form: CadenceForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    channel = queries.channel_of(member)
    every = queries.every_minutes(member.organisation_id)
    if form is None:
        initial = {"language": channel.language if channel else get_language()}
        if channel:
            initial["address"] = address_of(channel)
            initial["kind"] = channel.kind
        form = ChannelForm(initial=initial)
    if cadence_form is None and member.is_coordinator:
        cadence_form = CadenceForm(initial={"every_minutes": every})
    context = {
        "channel": channel,
        "form": form,
        "cadence_form": cadence_form,
        "every_minutes": every,
        "waiting": queries.waiting_for(member),
        "overdue_minutes": queries.overdue_minutes(member),
        "overdue_by_kind": queries.overdue_by_kind(member.organisation_id)
        if member.is_coordinator
        else {},
        "notice": notice,
    }
    return render(request, "notifications/settings.html", context, status=status)


def settings_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def channel(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        channel_set(
            actor=member,
            address=form.cleaned_data["address"],
            language=form.cleaned_data["language"],
            kind=form.cleaned_data["kind"],
        )
    except ValidationError as error:
        field = error.code if error.code in ("address", "kind") else "language"
        form.add_error(field, error)
        return _page(request, form=form, status=400)
    return _page(request, notice=_("Saved. Notifications are on."))


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    if queries.channel_of(member) is None:
        return _page(request, notice=_("Give an address first."), status=400)
    enabled = request.POST.get("enabled") == "1"
    channel_switch(actor=member, enabled=enabled)
    notice = _("Notifications are on.") if enabled else _("Notifications are off.")
    return _page(request, notice=notice)


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    channel_remove(actor=member)
    return _page(request, notice=_("Your address is forgotten."))


@require_POST
def cadence(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = CadenceForm(request.POST)
    if not form.is_valid():
        return _page(request, cadence_form=form, status=400)
    try:
        cadence_set(actor=member, every_minutes=form.cleaned_data["every_minutes"])
    except ValidationError as error:
        form.add_error("every_minutes", error)
        return _page(request, cadence_form=form, status=400)
    return _page(request, notice=_("Saved."))
