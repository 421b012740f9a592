"""Joining the network: apply, be vouched for by vetted members, be approved, join."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from haven.accounts.invites import invite_accept
from haven.accounts.models import Invite, Member, Organisation, Role
from haven.audit.models import Event
from haven.volunteers.models import Application, MemberReport, Vouch
from haven.volunteers.queries import qualifying_vouches
from haven.volunteers.suspension import member_report, member_suspend
from haven.volunteers.vetting import (
    application_approve,
    application_submit,
    vouch_give,
    vouch_withdraw,
)
from tests.conftest import Persona, invite_member, login, stored


def _apply(organisation: Organisation, name: str = "Olga") -> tuple[Application, str]:
    return application_submit(
        organisation=organisation,
        offerings=["beds", "translation"],
        place="ge-tbilisi",
        languages=["ru", "ka"],
        name=name,
        contact="@olga_tbilisi",
        about="Квартира в Ваке.",
    )


def test_applying_needs_no_account_and_answers_with_the_next_steps(
    organisation: Organisation,
) -> None:
    client = Client()
    page = client.get("/ru/volunteer/ark/")
    assert "<script" not in page.content.decode()
    response = client.post(
        "/en/volunteer/ark/",
        {
            "offerings": ["beds"],
            "place": "am-yerevan",
            "languages": ["ru"],
            "name": "Armen",
            "contact": "@armen",
            "about": "",
        },
    )
    assert response.status_code == 201
    code = re.search(r'id="application-code">([A-Z0-9-]+)<', response.content.decode())
    assert code
    application = Application.objects.get()
    assert application.place == "am-yerevan"
    assert b"@armen" not in stored(application.contact_sealed)


def test_application_errors_keep_what_was_typed(organisation: Organisation) -> None:
    response = Client().post(
        "/ru/volunteer/ark/", {"place": "nowhere", "name": "Армен", "contact": "", "about": "Юрист"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Армен"' in html and "Юрист" in html
    assert Application.objects.count() == 0


def test_approval_needs_enough_vouches_from_members_vetted_long_enough(
    organisation: Organisation, coordinator: Persona, elders: tuple[Persona, Persona]
) -> None:
    application, _code = _apply(organisation)
    newcomer = invite_member(coordinator, "newcomer", Role.COUNSELOR)
    vouch_give(actor=newcomer.member, application=application, how_known="met at the border")
    vouch_give(actor=elders[0].member, application=application, how_known="we worked together")
    assert qualifying_vouches(application).count() == 1
    with pytest.raises(ValidationError, match="1 of the 2 vouches"):
        application_approve(
            actor=coordinator.member,
            application=application,
            role=Role.HOST,
            organisation_private_key=None,
        )
    vouch_give(actor=elders[1].member, application=application, how_known="my neighbour of years")
    _invite, code = application_approve(
        actor=coordinator.member,
        application=application,
        role=Role.HOST,
        organisation_private_key=None,
    )
    member = invite_accept(code=code, handle="olga", passphrase="olga's long passphrase")
    assert member.role == Role.HOST
    assert Invite.objects.get(application=application).used_by == member


def test_a_withdrawn_vouch_no_longer_counts_and_is_audited(
    organisation: Organisation, elders: tuple[Persona, Persona]
) -> None:
    application, _code = _apply(organisation)
    vouch = vouch_give(
        actor=elders[0].member, application=application, how_known="known her ten years"
    )
    vouch_withdraw(actor=elders[0].member, vouch=vouch)
    assert qualifying_vouches(application).count() == 0
    assert Event.objects.filter(action="vouch.withdraw", actor=elders[0].member).exists()


def test_vouching_is_by_the_applicants_code_and_says_how(
    organisation: Organisation, elders: tuple[Persona, Persona]
) -> None:
    application, code = _apply(organisation)
    client = login(Client(), elders[0])
    short = client.post("/en/network/vouch/", {"code": code, "how_known": "yes"})
    assert short.status_code == 400
    wrong = client.post("/en/network/vouch/", {"code": "AAAAA-AAAAA", "how_known": "x" * 20})
    assert "No open application has this code" in wrong.content.decode()
    done = client.post(
        "/en/network/vouch/", {"code": code.lower(), "how_known": "we grew up together"}
    )
    assert done.status_code == 302
    vouch = Vouch.objects.get(application=application)
    assert b"grew up" not in bytes(vouch.how_known_sealed)


def test_suspending_an_informer_flags_whom_they_vouched_for(
    organisation: Organisation, coordinator: Persona, elders: tuple[Persona, Persona]
) -> None:
    informer = elders[0]
    application, _code = _apply(organisation)
    vouch_give(actor=informer.member, application=application, how_known="a friend of a friend")
    vouch_give(actor=elders[1].member, application=application, how_known="known for years here")
    _invite, code = application_approve(
        actor=coordinator.member,
        application=application,
        role=Role.HOST,
        organisation_private_key=None,
    )
    olga = invite_accept(code=code, handle="olga", passphrase="olga's long passphrase")
    flagged = member_suspend(
        actor=coordinator.member, member=informer.member, reason="passed addresses to the police"
    )
    assert flagged == [olga]
    informer.member.refresh_from_db()
    assert not informer.member.is_active and informer.member.sealed_organisation_key is None
    assert Member.objects.get(pk=olga.pk).review_flagged_at is not None
    page = login(Client(), coordinator).get(f"/en/network/members/{informer.member.pk}/")
    html = page.content.decode()
    assert "olga" in html and "to review" in html
    event = Event.objects.get(action="member.suspend")
    assert b"police" not in stored(event.sealed_note)


def test_suspended_member_cannot_log_in_or_vouch(
    organisation: Organisation, coordinator: Persona, elders: tuple[Persona, Persona]
) -> None:
    member_suspend(actor=coordinator.member, member=elders[0].member, reason="suspected informer")
    response = Client().post(
        "/en/accounts/login/", {"handle": "elder-one", "passphrase": elders[0].passphrase}
    )
    assert response.status_code == 400
    elders[0].member.refresh_from_db()
    application, _code = _apply(organisation)
    with pytest.raises(PermissionError):
        vouch_give(actor=elders[0].member, application=application, how_known="trust me please")


def test_reports_reach_coordinators_only_and_are_sealed(
    coordinator: Persona, elders: tuple[Persona, Persona], host: Persona
) -> None:
    client = login(Client(), elders[0])
    response = client.post(
        "/en/network/report/", {"handle": "hana", "text": "asked guests for passport photos"}
    )
    assert response.status_code == 201
    report = MemberReport.objects.get()
    assert b"passport" not in bytes(report.text_sealed)
    assert login(Client(), host).get(f"/en/network/members/{host.member.pk}/").status_code == 403
    page = login(Client(), coordinator).get(f"/en/network/members/{host.member.pk}/")
    assert "elder-one" in page.content.decode()
    with pytest.raises(ValidationError):
        member_report(actor=host.member, subject=coordinator.member, text="too short")


def test_members_cannot_report_or_be_reported_across_organisations(
    host: Persona, outsider: Persona
) -> None:
    with pytest.raises(PermissionError):
        member_report(actor=outsider.member, subject=host.member, text="a long enough text here")
    client = login(Client(), outsider)
    response = client.post("/en/network/report/", {"handle": "hana", "text": "a long enough text"})
    assert "No member of your organisation has this name" in response.content.decode()


def test_approval_page_shows_the_invite_code_once(
    organisation: Organisation, coordinator: Persona, elders: tuple[Persona, Persona]
) -> None:
    application, _code = _apply(organisation)
    for elder in elders:
        vouch_give(actor=elder.member, application=application, how_known="known for many years")
    client = login(Client(), coordinator)
    read = client.post(
        f"/en/network/applications/{application.pk}/read/", {"reason": "checking before approval"}
    )
    assert "@olga_tbilisi" in read.content.decode()
    assert Event.objects.filter(action="application.reveal").count() == 1
    approved = client.post(
        f"/en/network/applications/{application.pk}/decide/",
        {"decision": "approve", "role": "host"},
    )
    assert approved.status_code == 201
    assert re.search(r'id="invite-code">[^<]+<', approved.content.decode())
    again = client.get(f"/en/network/applications/{application.pk}/")
    assert 'id="invite-code"' not in again.content.decode()


def test_the_applications_list_counts_vouches_in_one_query_however_many_wait(
    organisation: Organisation,
    coordinator: Persona,
    elders: tuple[Persona, Persona],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for index in range(6):
        application, _code = _apply(organisation, name=f"Applicant {index}")
        vouch_give(actor=elders[0].member, application=application, how_known="known for years")
    client = login(Client(), coordinator)
    client.get("/en/network/applications/")
    with django_assert_max_num_queries(6):
        page = client.get("/en/network/applications/").content.decode()
    assert page.count("1 / 2") == 6
