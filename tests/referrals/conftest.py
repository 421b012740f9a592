"""Two organisations on one install that refer to each other: Ark (Anna) and Other (Olga)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.referrals.models import Partner
from haven.referrals.partners import identity_ensure, partner_add_local
from tests.conftest import Persona, keyring_of


@dataclass
class Pair:
    """Ark's partner entry for Other, and Other's for Ark."""

    to_other: Partner
    to_ark: Partner


@pytest.fixture
def partners(coordinator: Persona, outsider: Persona) -> Pair:
    identity_ensure(keyring=keyring_of(coordinator))
    identity_ensure(keyring=keyring_of(outsider))
    ark: Organisation = coordinator.member.organisation
    other: Organisation = outsider.member.organisation
    to_other = partner_add_local(
        actor=coordinator.member, other=other, needs=["legal"], countries=["de"], languages=["ru"]
    )
    to_ark = partner_add_local(
        actor=outsider.member, other=ark, needs=["shelter"], countries=["kz"], languages=["ru"]
    )
    return Pair(to_other=to_other, to_ark=to_ark)


@pytest.fixture
def requested(make_request: Callable[..., Accepted]) -> Accepted:
    """A triaged request of Ark's, with its codename."""
    from haven.cases.lifecycle import case_triage

    accepted = make_request()
    case: Case = accepted.case
    anna = case.organisation.members.get(handle="anna")
    case_triage(actor=anna, case=case, decision="accept")
    return accepted
