"""A referral between two organisations of one install, from proposal to answer."""

import pytest

from haven.accounts.models import Role
from haven.audit.models import Event
from haven.cases.access import case_key
from haven.cases.models import Case, CaseSeal
from haven.crypto.codenames import requester_key_pair
from haven.crypto.sealing import FieldSealer
from haven.intake.services import Accepted
from haven.referrals.arrivals import arrival_answer
from haven.referrals.delivery import deliver_due
from haven.referrals.models import Arrival, ArrivalStatus, Document, Referral, ReferralStatus
from haven.referrals.proposals import referral_consent, referral_propose
from haven.referrals.queries import answer_for_requester, emergency_reason_for_requester
from haven.referrals.rules import ReferralRefused
from tests.conftest import Persona, invite_member, keyring_of, stored
from tests.referrals.conftest import Pair


def _propose(
    coordinator: Persona, requested: Accepted, partners: Pair, **extra: object
) -> Referral:
    return referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=requested.case,
        partner=partners.to_other,
        fields=["name", "story"],
        with_thread=False,
        with_documents=False,
        reason="They need a lawyer in Germany.",
        **extra,  # type: ignore[arg-type]
    )


def test_nothing_leaves_before_the_requester_consents(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(coordinator, requested, partners)
    assert referral.status == ReferralStatus.PROPOSED
    deliver_due()
    assert not Arrival.objects.exists()


def test_refusal_destroys_the_sealed_package(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=False)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFUSED
    assert referral.envelope is None
    deliver_due()
    assert not Arrival.objects.exists()


def test_consented_referral_becomes_a_case_of_the_partner_under_its_own_key(
    coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=True)
    assert deliver_due()["sent"] == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    arrival = Arrival.objects.get(pk=referral.pk)
    assert arrival.organisation == outsider.member.organisation
    arrival = arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=arrival,
        accept=True,
        note="Write to us here; we will find you a lawyer.",
    )
    assert arrival.package is None
    new_case: Case = arrival.case  # type: ignore[assignment]
    assert new_case.organisation == outsider.member.organisation
    assert stored(new_case.sealed_key) != stored(requested.case.sealed_key)
    # Other opens the new case with its own keys; only the chosen fields came.
    other_key = case_key(keyring_of(outsider), new_case)
    seal = CaseSeal.objects.get(case=new_case)
    sealer = FieldSealer(other_key, str(new_case.pk))
    assert sealer.open("name", stored(seal.name)) == "Алексей"
    assert seal.contact is None
    # Ark's key does not open it.
    with pytest.raises(Exception):  # noqa: B017  # RevealRefused or Locked, both refusals
        case_key(keyring_of(coordinator), new_case)
    assert deliver_due()["sent"] == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    private = requester_key_pair(requested.codename).private
    assert "lawyer" in answer_for_requester(referral, private)
    actions = set(Event.objects.values_list("action", flat=True))
    assert {
        "referral.propose",
        "referral.consent",
        "referral.send",
        "referral.receive",
        "referral.accept",
        "referral.answer",
    } <= actions
    received = Event.objects.get(action="referral.receive")
    assert received.data["partner"] == partners.to_ark.fingerprint
    sent = Event.objects.get(action="referral.send")
    assert sent.data["partner"] == partners.to_other.fingerprint


def test_emergency_reason_sends_at_once_and_is_shown_to_the_requester(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(
        coordinator, requested, partners, emergency_reason="Police are at the flat tonight."
    )
    assert referral.status == ReferralStatus.SENDING
    deliver_due()
    arrival = Arrival.objects.get(pk=referral.pk)
    assert arrival.emergency
    private = requester_key_pair(requested.codename).private
    assert emergency_reason_for_requester(referral, private) == "Police are at the flat tonight."
    assert Event.objects.get(action="referral.propose").data["emergency"] is True


def test_declined_referral_keeps_nothing_of_the_package(
    coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=True)
    deliver_due()
    arrival = arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=False,
    )
    assert arrival.status == ArrivalStatus.DECLINED
    assert arrival.package is None
    assert arrival.case is None
    deliver_due()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


def test_documents_travel_sealed_and_open_on_the_partner_side(
    coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    document = bytes(range(256)) * 6000  # 1.5 MB, more than one chunk
    referral = _propose(coordinator, requested, partners, documents=[document])
    referral_consent(case=requested.case, referral=referral, accept=True)
    deliver_due()
    arrival = arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=True,
    )
    from haven.referrals.queries import document_bytes

    stored = Document.objects.get(case=arrival.case)
    assert document_bytes(keyring=keyring_of(outsider), document=stored) == document


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.HOST])
def test_counselor_or_host_cannot_refer(
    coordinator: Persona, requested: Accepted, partners: Pair, role: str
) -> None:
    member = invite_member(coordinator, f"m{role[:4]}", role)
    with pytest.raises(PermissionError):
        referral_propose(
            actor=member.member,
            keyring=keyring_of(member),
            case=requested.case,
            partner=partners.to_other,
            fields=["name"],
            with_thread=False,
            with_documents=False,
            reason="They need a lawyer in Germany.",
        )


def test_unconfirmed_partner_cannot_be_referred_to(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    from haven.referrals.models import Partner

    Partner.objects.filter(pk=partners.to_other.pk).update(offered_fingerprint="11111 " * 6)
    partners.to_other.refresh_from_db()
    with pytest.raises(ReferralRefused):
        _propose(coordinator, requested, partners)
