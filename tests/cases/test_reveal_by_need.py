"""A reveal opens only what its purpose needs, each reading is audited with what it opened, the
other coordinators read the reasons through their own reveal, and a reveal hold ends with its
hour (a lone coordinator is told how to get a second one)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_configure
from haven.audit.models import Event
from haven.cases.access import RevealRefused
from haven.cases.lifecycle import case_triage
from haven.cases.models import Case, RevealHold
from haven.cases.reveal import case_reveal
from haven.cases.sharing import case_share
from haven.intake.services import Accepted
from haven.volunteers.suspension import member_report
from haven.volunteers.vetting import application_submit, vouch_give
from tests.conftest import Persona, invite_member, keyring_of, login

STORY = "Получил повестку, уехал в тот же день."


def _triaged(make_request: Callable[..., Accepted], coordinator: Persona) -> Accepted:
    accepted = make_request(for_counselor="Боюсь звонков", location_detail="хостел у вокзала")
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    return accepted


def test_a_placement_opens_the_contact_only_and_counsel_the_story(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator).case
    keyring = keyring_of(coordinator)
    placing = case_reveal(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        reason="calling about a bed",
        scope="placement",
    )
    assert placing.fields == {"contact": "@telegram_handle"}
    assert placing.notes == [] and not placing.notes_open
    counsel = case_reveal(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        reason="legal first answer",
        scope="counsel",
    )
    assert set(counsel.fields) == {"military_status", "story", "for_counselor"}
    assert "contact" not in counsel.fields and "name" not in counsel.fields
    full = case_reveal(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        reason="whole review",
        scope="full",
    )
    assert set(full.fields) == {
        "name",
        "contact",
        "military_status",
        "location_detail",
        "story",
        "for_counselor",
    }
    audited = Event.objects.filter(action="case.reveal", target_id=str(case.pk)).order_by("id")
    assert [(e.data["scope"], e.data["fields"]) for e in audited] == [
        ("placement", ["contact"]),
        ("counsel", ["military_status", "story", "for_counselor"]),
        (
            "full",
            ["name", "contact", "military_status", "location_detail", "story", "for_counselor"],
        ),
    ]


def test_reading_again_without_a_reason_opens_no_more_than_the_reason_covered(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator).case
    keyring = keyring_of(coordinator)
    case_reveal(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        reason="calling about a bed",
        scope="placement",
    )
    again = case_reveal(
        actor=coordinator.member, keyring=keyring, case=case, reason=None, scope="placement"
    )
    assert again.fields == {"contact": "@telegram_handle"}
    with pytest.raises(RevealRefused, match="Say why"):
        case_reveal(actor=coordinator.member, keyring=keyring, case=case, reason=None, scope="full")


def test_the_case_page_asks_what_the_reveal_is_for_and_preselects_nothing(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator).case
    desk = login(Client(), coordinator)
    page = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert page.count("name=scope") == 3 and " checked" not in page.split('id="sealed"')[1][:3000]
    refused = desk.post(f"/en/desk/{case.pk}/reveal/", {"reason": "calling about a bed"})
    assert refused.status_code == 400
    assert "Choose what you need to read." in refused.content.decode()
    assert 'value="calling about a bed"' in refused.content.decode()
    opened = desk.post(
        f"/en/desk/{case.pk}/reveal/", {"reason": "calling about a bed", "scope": "placement"}
    ).content.decode()
    assert "@telegram_handle" in opened and STORY not in opened
    # The page keeps offering the wider readings, and a reload opens the same, no more.
    assert "value=counsel" in opened
    again = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "@telegram_handle" in again and STORY not in again


def test_other_coordinators_read_the_reasons_on_the_history_through_their_own_reveal(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator).case
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    case_reveal(
        actor=counselor.member,
        keyring=keyring_of(counselor),
        case=case,
        reason="первая консультация юриста",
        scope="counsel",
    )
    second = invite_member(coordinator, "vera", "coordinator", established=True)
    desk = login(Client(), second)
    before = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "первая консультация юриста" not in before
    after = desk.post(
        f"/en/desk/{case.pk}/reveal/", {"reason": "checking who read it", "scope": "placement"}
    ).content.decode()
    assert "первая консультация юриста" in after and "For counsel" in after
    reveal = Event.objects.filter(action="case.reveal", actor=second.member).get()
    assert reveal.data["reasons"] == 1  # the counselor's, read by this reveal
    # The counselor, who holds no organisation key, reads no one's reasons.
    opened = case_reveal(
        actor=counselor.member,
        keyring=keyring_of(counselor),
        case=case,
        reason=None,
        scope="counsel",
    )
    assert opened.reasons == {}


def test_a_reveal_hold_lapses_after_its_hour(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    invite_member(coordinator, "vera", "coordinator", established=True)
    organisation_configure(organisation=coordinator.member.organisation, reveals_per_hour=1)
    # Read back, so each case carries its organisation's new limit.
    cases = [
        Case.objects.select_related("organisation").get(
            pk=_triaged(make_request, coordinator).case.pk
        )
        for _ in range(3)
    ]
    keyring = keyring_of(coordinator)
    member = coordinator.member
    case_reveal(actor=member, keyring=keyring, case=cases[0], reason="working the queue")
    with pytest.raises(RevealRefused, match="wait until"):
        case_reveal(actor=member, keyring=keyring, case=cases[1], reason="working the queue")
    hold = RevealHold.objects.get(member=member)
    RevealHold.objects.filter(pk=hold.pk).update(created_at=timezone.now() - timedelta(hours=1))
    opened = case_reveal(actor=member, keyring=keyring, case=cases[1], reason="working the queue")
    assert opened.fields
    assert "anna opened" not in login(Client(), coordinator).get("/en/desk/").content.decode()


def test_a_lone_coordinator_is_told_how_to_get_a_second_one(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    organisation_configure(organisation=coordinator.member.organisation, reveals_per_hour=1)
    cases = [
        Case.objects.select_related("organisation").get(
            pk=_triaged(make_request, coordinator).case.pk
        )
        for _ in range(2)
    ]
    keyring = keyring_of(coordinator)
    case_reveal(actor=coordinator.member, keyring=keyring, case=cases[0], reason="working it")
    with pytest.raises(RevealRefused) as refusal:
        case_reveal(actor=coordinator.member, keyring=keyring, case=cases[1], reason="working it")
    told = str(refusal.value)
    assert "only coordinator" in told and "Team → Invite" in told
    assert "haven org release-hold" in told and "wait until" in told


def test_vouchers_words_and_members_reports_open_only_through_an_audited_reveal(
    organisation: Organisation, coordinator: Persona, counselor: Persona, host: Persona
) -> None:
    application, _code = application_submit(
        organisation=organisation,
        offerings=["beds"],
        place="kz-almaty",
        languages=["ru"],
        name="Olga",
        contact="@olga",
        about="I have a spare room.",
    )
    vouch_give(actor=counselor.member, application=application, how_known="we studied together")
    member_report(actor=counselor.member, subject=host.member, text="Asked a guest for a passport.")
    desk = login(Client(), coordinator)
    page = desk.get(f"/en/network/applications/{application.pk}/").content.decode()
    assert "we studied together" not in page
    read = desk.post(
        f"/en/network/applications/{application.pk}/read/", {"reason": "checking the vouches"}
    ).content.decode()
    assert "we studied together" in read and "@olga" in read
    assert Event.objects.get(action="application.reveal").data == {"vouch_notes": 1}
    member_page = desk.get(f"/en/network/members/{host.member.pk}/").content.decode()
    assert "Asked a guest" not in member_page and "Read the reports (recorded)" in member_page
    assert desk.post(f"/en/network/members/{host.member.pk}/reports/").status_code == 400
    opened = desk.post(
        f"/en/network/members/{host.member.pk}/reports/", {"reason": "looking into the report"}
    ).content.decode()
    assert "Asked a guest for a passport." in opened
    event = Event.objects.get(action="member.reports.reveal")
    assert event.actor == coordinator.member and event.data == {"reports": 1}
    assert event.sealed_note and b"looking" not in bytes(event.sealed_note)
    # A counselor holds no key to them, and no route to read them.
    assert (
        login(Client(), counselor)
        .post(f"/en/network/members/{host.member.pk}/reports/", {"reason": "curious about it"})
        .status_code
        == 403
    )
