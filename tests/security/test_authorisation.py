"""Every route, for every persona: the table in haven.core.authz is what the server does.

A route missing from the table, or a table entry with no route, fails here. Object-level rules
(another organisation's case, another member's offer, vouch or token) are checked on the same walk.
The personas: anonymous, an applicant (who has no account and so sees nothing more), a requester
logged in with a codename, the requester of another case, a host, a counselor the case is shared
with, a counselor it is not shared with, a coordinator (who also edits the shared knowledge, as
its publishing organisation's editor), a coordinator of another organisation, and a suspended
member. Admins act through the `haven` command, not the web.
"""

import importlib
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.approvals import approval_request
from haven.accounts.models import Act, ApiToken, Organisation, Role
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import RevealHold
from haven.cases.notes import note_add
from haven.cases.sharing import case_share
from haven.core.authz import ROUTES, RULES, Rule, Who
from haven.crypto.codenames import requester_key_pair
from haven.intake.services import Accepted
from haven.messaging.services import message_from_requester
from haven.referrals.arrivals import arrival_answer
from haven.referrals.delivery import deliver_due
from haven.referrals.models import Arrival, Document
from haven.referrals.partners import identity_ensure, partner_add_local
from haven.referrals.proposals import referral_propose
from haven.reports.services import sharing_set
from haven.situation.models import Direction
from haven.situation.scoring import Outcome, Queue
from haven.situation.services import Reporter, Sighting, report_submit
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm
from haven.volunteers.suspension import member_suspend
from haven.volunteers.vetting import application_submit, vouch_give
from tests.accounts.authenticator import SoftKey
from tests.accounts.test_security_keys import _register as _register_key
from tests.conftest import (
    Persona,
    enrol_second_factor,
    invite_member,
    keyring_of,
    login,
    make_token,
    small_jpeg,
)
from tests.knowledge.factories import edit_kazakh_stay
from tests.security.routes import Route, all_routes, concrete

POST_ONLY = {
    "intake:leave",
    "intake:ping",
    "accounts:security-key-remove",
    "accounts:logout",
    "accounts:rotation-continue",
    "accounts:token-create",
    "accounts:token-revoke",
    "accounts:invite",
    "desk:reveal",
    "api:intake",
    "api:status",
    "api:status-messages",
    "api:messages",
    "api:case-reveal",
    "knowledge:revert",
    "knowledge:verify",
    "api:screener",
    "network:offer-pause",
    "network:decide",
    "network:stay",
    "network:vouch-withdraw",
    "network:application-read",
    "network:application-decide",
    "network:suspend",
    "network:member-reports",
    "network:review-clear",
    "desk:place",
    "desk:placement",
    "desk:triage",
    "desk:move",
    "desk:owner",
    "desk:share",
    "desk:unshare",
    "desk:note",
    "desk:task",
    "desk:checklist",
    "desk:message",
    "desk:shred",
    "desk:hold-approve",
    "accounts:approval-approve",
    "accounts:approval-refuse",
    "situation:review",
    "notifications:channel",
    "notifications:switch",
    "notifications:remove",
    "notifications:cadence",
    "api:referrals",
    "referrals:identity",
    "referrals:partner-local",
    "referrals:partner-remote",
    "referrals:partner-key",
    "referrals:arrival-decide",
    "referral-status:consent",
    "referral-status:reply",
    "reports:sharing",
}
# Routes about one case that a counselor reaches only when it is shared with them.
SHARED_CASE_ROUTES = {
    "desk:case",
    "desk:reveal",
    "desk:move",
    "desk:owner",
    "desk:note",
    "desk:task",
    "desk:checklist",
    "desk:message",
    "desk:photo",
}
# Routes about one thing of the logged-in requester's case: another case's requester finds none.
REQUESTER_OBJECT_ROUTES = {"intake:photo", "referral-status:consent", "referral-status:reply"}
# Routes about one thing of the first organisation: another organisation's coordinator finds none.
OBJECT_ROUTES = {
    *SHARED_CASE_ROUTES,
    "desk:triage",
    "desk:share",
    "desk:unshare",
    "desk:shred",
    "desk:hold-approve",
    "desk:place",
    "desk:placement",
    "api:case",
    "api:case-reveal",
    "accounts:token-revoke",
    "accounts:security-key-remove",
    "network:application",
    "network:application-read",
    "network:application-decide",
    "network:member",
    "network:member-reports",
    "network:suspend",
    "network:review-clear",
    "accounts:approval-approve",
    "accounts:approval-refuse",
    "referrals:refer",
    "referrals:partner-key",
    "referrals:arrival-decide",
    "referrals:document",
    "accounts:recovery-ask",
}
# Routes about one member's own thing: any other member finds nothing.
OWNERS = {
    "accounts:token-revoke": "coordinator",
    "accounts:security-key-remove": "coordinator",
    "network:offer-edit": "host",
    "network:offer-pause": "host",
    "network:decide": "host",
    "network:stay": "host",
    "network:vouch-withdraw": "counselor",
}
MEMBERS = {"host", "counselor", "unshared-counselor", "coordinator", "outsider"}
PERSONAS = [
    "anonymous",
    "applicant",
    "requester",
    "other-requester",
    "host",
    "counselor",
    "unshared-counselor",
    "coordinator",
    "outsider",
    "suspended",
]
STAFF_ONLY_BELOW_COORDINATOR = {"counselor", "unshared-counselor", "host"}
KNOWLEDGE_EDITORS = {"coordinator"}
ALLOWED = {200, 201, 302, 303, 400, 409, 422}


def test_every_route_has_a_rule_and_every_rule_a_route() -> None:
    names = {route.name for route in all_routes()}
    assert names - set(ROUTES) == set(), "routes with no rule in haven.core.authz.ROUTES"
    assert set(ROUTES) - names == set(), "rules for routes that do not exist"


# Django Ninja's root: with the browsable docs off (they load script from a CDN) it answers 404.
NOTHING_HERE = {"api:api-root"}
# With no login half done, the second step sends everyone back to the first.
BACK_TO_LOGIN = {"accounts:login-code"}


def _expected(rule: Who, persona: str, name: str) -> str:
    member = persona in MEMBERS
    if name in NOTHING_HERE:
        return "not-found"
    if name in BACK_TO_LOGIN:
        return "login"
    if persona == "other-requester" and name in REQUESTER_OBJECT_ROUTES:
        return "not-found"
    if rule in (Who.ANYONE, Who.API_ANYONE):
        return "allowed"
    if rule in (Who.MEMBER, Who.COORDINATOR, Who.KNOWLEDGE_EDITOR):
        if not member:
            return "login"
        if rule == Who.COORDINATOR and persona in STAFF_ONLY_BELOW_COORDINATOR:
            return "forbidden"
        # Only the publishing organisation's editors keep the shared knowledge: here Ark's
        # coordinator; another organisation's coordinator may not rewrite what Ark's requesters
        # read, nor Ark's own counselors and hosts.
        if rule == Who.KNOWLEDGE_EDITOR and persona not in KNOWLEDGE_EDITORS:
            return "forbidden"
    else:
        if not member:
            return "unauthenticated"
        if rule == Who.API_COORDINATOR and persona in STAFF_ONLY_BELOW_COORDINATOR:
            return "forbidden"
    if persona == "outsider" and name in OBJECT_ROUTES:
        return "not-found"
    if persona in {"host", "unshared-counselor"} and name in SHARED_CASE_ROUTES:
        return "not-found"

    if name in OWNERS and persona != OWNERS[name]:
        return "not-found"
    return "allowed"


def _outcome(response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.get("Location", "")  # type: ignore[attr-defined]
    if status == 302 and "/accounts/login/" in location:
        return "login"
    if status == 401:
        return "unauthenticated"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not-found"
    if status in ALLOWED:
        return "allowed"
    return f"status {status}"


@pytest.fixture
def world(
    coordinator: Persona,
    counselor: Persona,
    outsider: Persona,
    organisation: Organisation,
    make_request: Callable[..., Accepted],
) -> dict[str, object]:
    accepted = make_request()
    other = make_request(contact="@someone-else")
    # The case is triaged, shared with the counselor, and holds a task and a photo.
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    case_move(actor=coordinator.member, case=accepted.case, status="in_progress")
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=accepted.case,
        member=counselor.member,
    )
    task = note_add(
        actor=counselor.member,
        keyring=keyring_of(counselor),
        case=accepted.case,
        text="find a lawyer",
        is_task=True,
    )
    message = message_from_requester(
        case=accepted.case,
        requester_private=requester_key_pair(accepted.codename).private,
        text="my passport",
        photo=small_jpeg(),
    )
    clients: dict[str, Client] = {"anonymous": Client()}
    applicant = Client()
    applicant.get("/en/volunteer/ark/")
    application, _code = application_submit(
        organisation=organisation,
        offerings=["beds"],
        place="kz-almaty",
        languages=["ru"],
        name="Applicant",
        contact="@applicant",
        about="",
    )
    clients["applicant"] = applicant
    requester = Client()
    requester.post("/en/status/", {"codename": accepted.codename})
    clients["requester"] = requester
    other_requester = Client()
    other_requester.post("/en/status/", {"codename": other.codename})
    clients["other-requester"] = other_requester
    host = invite_member(coordinator, "hana", Role.HOST)
    offer = bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=4,
        available_from=timezone.localdate(),
        available_until=timezone.localdate() + timedelta(days=30),
        languages=["ru"],
        accepts=[],
        address="ул. Абая 1",
        contact="@hana",
        rules="",
    )
    placement = placement_confirm(actor=coordinator.member, case=accepted.case, offer=offer)
    vouch = vouch_give(
        actor=counselor.member, application=application, how_known="we studied together"
    )
    tokens: dict[str, str] = {}
    unshared = invite_member(coordinator, "uma", Role.COUNSELOR)
    for name, persona in (
        ("host", host),
        ("counselor", counselor),
        ("unshared-counselor", unshared),
        ("coordinator", coordinator),
        ("outsider", outsider),
    ):
        if persona.totp_secret is None:
            enrol_second_factor(persona)
        client = login(Client(), persona)
        clients[name] = client
        tokens[name] = make_token(client, persona, label="walk")
    # Those who work on the case have opened it in this login, so its photo opens for them.
    for name in ("counselor", "coordinator"):
        path = f"/en/desk/{accepted.case.pk}/reveal/"
        assert (
            clients[name].post(path, {"reason": "walking every route", "scope": "full"}).status_code
            == 200
        )
    hold = RevealHold.objects.create(
        organisation=organisation, member=unshared.member, opened=0, created_at=timezone.now()
    )
    suspect = invite_member(coordinator, "sid", Role.COUNSELOR)
    clients["suspended"] = login(Client(), suspect)
    member_suspend(actor=coordinator.member, member=suspect.member, reason="walking the routes")
    approval = approval_request(
        actor=coordinator.member,
        act=Act.SHRED,
        target_id=str(other.case.pk),
        reason="walking every route",
    )
    crossing_report = report_submit(
        reporter=Reporter.anonymous(),
        sighting=Sighting(
            crossing="upper-lars",
            direction=Direction.LEAVING,
            queue=Queue.UNDER_2H,
            outcome=Outcome.PASSED,
        ),
    )
    # Ark publishes its figures and counts in the network's, so the public pages have something.
    sharing_set(actor=coordinator.member, public=True, network=True)
    security_key = _register_key(coordinator, SoftKey())
    token_id = ApiToken.objects.filter(member=coordinator.member).first()
    assert token_id is not None
    # Ark and the other organisation refer to each other: Ark proposes the case to it, and it
    # sent Ark one of its own.
    identity_ensure(keyring=keyring_of(coordinator))
    identity_ensure(keyring=keyring_of(outsider))
    other_organisation = outsider.member.organisation
    to_other = partner_add_local(
        actor=coordinator.member, other=other_organisation, needs=[], countries=[], languages=[]
    )
    to_ark = partner_add_local(
        actor=outsider.member, other=organisation, needs=[], countries=[], languages=[]
    )
    referral = referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=accepted.case,
        partner=to_other,
        fields=["story"],
        with_thread=False,
        with_documents=False,
        reason="walking every route",
    )
    theirs = make_request(other_organisation, contact="@theirs").case
    case_triage(actor=outsider.member, case=theirs, decision="accept")
    sent = referral_propose(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        case=theirs,
        partner=to_ark,
        fields=["story"],
        with_thread=False,
        with_documents=False,
        reason="walking every route",
        emergency_reason="walking every route",
    )
    deliver_due()
    # And one more, with a document, that Ark accepted: it became a case of Ark's.
    third = make_request(other_organisation, contact="@third").case
    case_triage(actor=outsider.member, case=third, decision="accept")
    with_document = referral_propose(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        case=third,
        partner=to_ark,
        fields=[],
        with_thread=False,
        with_documents=False,
        reason="walking every route",
        emergency_reason="walking every route",
        documents=[b"a scanned document"],
    )
    deliver_due()
    taken = arrival_answer(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        arrival=Arrival.objects.get(pk=with_document.pk),
        accept=True,
    )
    document = Document.objects.get(case=taken.case)
    return {
        "clients": clients,
        "tokens": tokens,
        "values": {
            "case_id": str(accepted.case.pk),
            "slug": "ark",
            "public_id": token_id.public_id,
            "iso2": "kz",
            "field": "visa_free_days",
            "situation": "detained",
            "topic": "leaving_russia",
            "revision_id": str(edit_kazakh_stay(coordinator.member).pk),
            "kind": "beds",
            "offer_id": str(offer.pk),
            "placement_id": str(placement.pk),
            "vouch_id": str(vouch.pk),
            "application_id": str(application.pk),
            "member_id": str(host.member.pk),
            "message_id": str(message.pk),
            "note_id": str(task.pk),
            "hold_id": str(hold.pk),
            "approval_id": str(approval.pk),
            "key_id": str(security_key.pk),
            "report_id": str(crossing_report.pk),
            "partner_id": str(to_other.pk),
            "referral_id": str(referral.pk),
            "arrival_id": str(sent.pk),
            "document_id": str(document.pk),
        },
    }


@pytest.mark.parametrize("route", all_routes(), ids=lambda route: route.name)
def test_route_answers_each_persona_as_the_table_says(
    route: Route, world: dict[str, object]
) -> None:
    rule = ROUTES[route.name]
    path = concrete(route, world["values"])  # type: ignore[arg-type]
    clients: dict[str, Client] = world["clients"]  # type: ignore[assignment]
    tokens: dict[str, str] = world["tokens"]  # type: ignore[assignment]
    results = {}
    for persona in PERSONAS:
        headers = {}
        if route.name.startswith("api:") and persona in tokens:
            headers["Authorization"] = f"Bearer {tokens[persona]}"
        client = clients[persona]
        if route.name in POST_ONLY:
            body = json.dumps({"reason": "walking every route"})
            response = (
                client.post(path, body, content_type="application/json", headers=headers)
                if route.name.startswith("api:")
                else client.post(
                    path, {"reason": "walking every route", "scope": "full"}, headers=headers
                )
            )
        else:
            response = client.get(path, headers=headers)
        results[persona] = (_outcome(response), _expected(rule, persona, route.name))
    wrong = {persona: got for persona, got in results.items() if got[0] != got[1]}
    assert wrong == {}, f"{route.name} ({rule}): persona → (got, expected)"


# The tests that show each rule column of haven.core.authz.RULES holding, route by route.
APPROVALS = "tests.accounts.test_approvals"
TOKENS = "tests.accounts.test_tokens_die_with_trust"
IDENTITIES = "tests.volunteers.test_identity_reveals"
SHREDDING = "tests.cases.test_messages_and_shredding"
NEED = "tests.cases.test_reveal_by_need"
WALK = "tests.security.test_second_organisation"
RULE_TESTS: dict[Rule, list[str]] = {
    Rule.TWO_PERSON: [
        "tests.security.test_one_coordinator_alone::"
        "test_one_coordinator_alone_does_none_of_what_needs_two",
        f"{APPROVALS}::test_an_invite_for_any_role_waits_for_a_second_coordinator",
        f"{APPROVALS}::test_shredding_before_retention_needs_a_second_coordinator",
        f"{APPROVALS}::test_the_shred_page_asks_and_the_approvals_page_shows_the_reason",
        f"{APPROVALS}::test_suspending_a_coordinator_needs_a_second_one_who_is_not_the_subject",
        f"{APPROVALS}::test_the_approvals_page_lets_the_asker_withdraw_but_not_approve",
        f"{APPROVALS}::test_changing_the_vetting_rule_needs_a_second_coordinator",
    ],
    Rule.INDEPENDENT: [
        f"{APPROVALS}::test_a_made_up_coordinator_cannot_approve_its_makers_reveal_hold",
        f"{APPROVALS}::test_a_new_counselor_takes_no_shares_from_the_coordinator_who_brought_it_in",
        f"{APPROVALS}::test_suspending_a_coordinator_needs_a_second_one_who_is_not_the_subject",
    ],
    Rule.VETTING: [
        f"{APPROVALS}::test_an_invite_for_any_role_waits_for_a_second_coordinator",
        f"{APPROVALS}::test_a_coordinator_invite_needs_two_coordinators_even_after_vouches",
        f"{APPROVALS}::test_a_vouched_application_invites_a_counselor_at_once",
    ],
    Rule.REVEAL: [
        f"{IDENTITIES}::test_reading_an_applicant_asks_for_a_reason",
        f"{IDENTITIES}::test_thirty_identities_in_a_row_stop_at_the_hourly_limit",
        f"{IDENTITIES}::test_identities_and_cases_share_one_limit",
        f"{SHREDDING}::test_too_many_reveals_in_an_hour_wait_for_a_second_coordinator",
        f"{NEED}::test_vouchers_words_and_members_reports_open_only_through_an_audited_reveal",
    ],
    Rule.HOLD: [
        f"{APPROVALS}::test_a_coordinator_under_a_hold_cannot_share_cases",
        f"{IDENTITIES}::test_a_held_coordinator_reads_no_identity",
    ],
    Rule.SECOND_FACTOR: [
        f"{TOKENS}::test_a_token_needs_a_code_from_the_second_factor",
        f"{TOKENS}::test_a_member_without_a_second_factor_gets_no_token",
        f"{TOKENS}::test_a_token_lives_at_most_thirty_days",
    ],
    Rule.ENDS_TOKENS: [
        f"{TOKENS}::test_logout_ends_the_members_tokens",
        f"{TOKENS}::test_suspension_ends_the_members_tokens",
    ],
    Rule.OWN_ORGANISATION: [
        f"{IDENTITIES}::test_the_volunteer_form_names_its_organisation_and_sends_only_there",
        f"{WALK}::test_a_second_organisations_coordinator_finds_nothing_of_the_first",
        "tests.reports.test_figures::test_a_coordinator_changes_only_their_own_organisations_sharing",
    ],
}


def test_every_rule_column_names_real_routes_and_tests_that_show_it() -> None:
    assert set(RULES) - set(ROUTES) == set(), "rules for routes that do not exist"
    used = {rule for rules in RULES.values() for rule in rules}
    assert used == set(Rule), "a rule no route holds to"
    assert set(RULE_TESTS) == set(Rule), "a rule no test shows"
    for tests in RULE_TESTS.values():
        for test in tests:
            module, name = test.split("::")
            assert callable(getattr(importlib.import_module(module), name, None)), test
