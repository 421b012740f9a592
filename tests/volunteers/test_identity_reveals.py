"""Volunteers' identities are revealed like requesters': with a reason, within the hourly limit,
audited; and each application goes to the organisation its form names."""

from collections.abc import Callable

import pytest
from django.test import Client

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_configure
from haven.audit.models import Event
from haven.cases.access import RevealRefused
from haven.cases.lifecycle import case_triage
from haven.cases.models import RevealHold
from haven.cases.reveal import case_reveal
from haven.intake.services import Accepted
from haven.volunteers.models import Application, ApplicationStatus
from haven.volunteers.vetting import application_read, application_submit
from tests.conftest import Persona, keyring_of, login


def _apply(organisation: Organisation, name: str = "Olga") -> Application:
    application, _code = application_submit(
        organisation=organisation,
        offerings=["beds"],
        place="ge-tbilisi",
        languages=["ru"],
        name=name,
        contact=f"@{name.lower()}",
        about="",
    )
    return application


def test_reading_an_applicant_asks_for_a_reason(
    organisation: Organisation, coordinator: Persona
) -> None:
    application = _apply(organisation)
    client = login(Client(), coordinator)
    path = f"/en/network/applications/{application.pk}/read/"
    bare = client.post(path)
    assert bare.status_code == 400
    assert "@olga" not in bare.content.decode()
    read = client.post(path, {"reason": "checking before approval"})
    assert read.status_code == 200 and "@olga" in read.content.decode()
    event = Event.objects.get(action="application.reveal")
    assert event.sealed_note and b"checking" not in bytes(event.sealed_note)


def test_thirty_identities_in_a_row_stop_at_the_hourly_limit(
    organisation: Organisation, coordinator: Persona
) -> None:
    organisation_configure(organisation=organisation, reveals_per_hour=20)
    applications = [_apply(organisation, f"Name{index}") for index in range(30)]
    # Approved applications are members' identities: they count the same.
    Application.objects.filter(pk__in=[a.pk for a in applications[:10]]).update(
        status=ApplicationStatus.APPROVED
    )
    keyring = keyring_of(coordinator)
    opened = 0
    for application in applications:
        try:
            application_read(
                actor=coordinator.member,
                keyring=keyring,
                application=application,
                reason="vetting this week",
            )
        except RevealRefused:
            continue
        opened += 1
    assert opened == 20
    assert RevealHold.objects.filter(member=coordinator.member, approved_at__isnull=True).exists()


def test_identities_and_cases_share_one_limit(
    organisation: Organisation, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    organisation_configure(organisation=organisation, reveals_per_hour=2)
    keyring = keyring_of(coordinator)
    for name in ("One", "Two"):
        application_read(
            actor=coordinator.member,
            keyring=keyring,
            application=_apply(organisation, name),
            reason="vetting this week",
        )
    case = make_request().case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    with pytest.raises(RevealRefused):
        case_reveal(actor=coordinator.member, keyring=keyring, case=case, reason="working it")


def test_a_held_coordinator_reads_no_identity(
    organisation: Organisation, coordinator: Persona
) -> None:
    application = _apply(organisation)
    RevealHold.objects.create(
        organisation=organisation,
        member=coordinator.member,
        opened=20,
        created_at=application.created_hour,
    )
    client = login(Client(), coordinator)
    held = client.post(
        f"/en/network/applications/{application.pk}/read/", {"reason": "vetting this week"}
    )
    assert held.status_code == 409
    assert "@olga" not in held.content.decode()


def test_the_volunteer_form_names_its_organisation_and_sends_only_there(
    organisation: Organisation, coordinator: Persona, outsider: Persona
) -> None:
    chooser = Client().get("/en/volunteer/")
    assert chooser.status_code == 200
    assert "/en/volunteer/ark/" in chooser.content.decode()
    assert "/en/volunteer/other/" in chooser.content.decode()
    form = Client().get("/en/volunteer/other/")
    assert "Offer to help Other group" in form.content.decode()
    sent = Client().post(
        "/en/volunteer/other/",
        {
            "offerings": ["beds"],
            "place": "ge-tbilisi",
            "languages": ["ru"],
            "name": "Irakli",
            "contact": "@irakli",
            "about": "",
        },
    )
    assert sent.status_code == 201
    application = Application.objects.get()
    assert application.organisation.slug == "other"
    ark = login(Client(), coordinator)
    assert ark.get(f"/en/network/applications/{application.pk}/").status_code == 404
    assert (
        ark.post(
            f"/en/network/applications/{application.pk}/read/", {"reason": "just looking here"}
        ).status_code
        == 404
    )
    listing = ark.get("/en/network/applications/").content.decode()
    assert f"/network/applications/{application.pk}/" not in listing
