"""A referral waiting for an answer survives the receiver's key rotation: its package, sealed to
the receiving organisation's key, is re-sealed with the rest, and the old key opens it no more."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed
from haven.intake.services import Accepted
from haven.referrals.arrivals import arrival_answer
from haven.referrals.delivery import deliver_due
from haven.referrals.models import Arrival, ArrivalStatus
from haven.referrals.proposals import referral_consent
from tests.conftest import Persona, keyring_of
from tests.referrals.conftest import Pair
from tests.referrals.test_referrals import _propose


def test_a_waiting_arrival_opens_after_the_receiver_rotates_its_key(
    tmp_path: Path, coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _propose(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=True)
    deliver_due()
    old_private = keyring_of(outsider).organisation_private_key()
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(outsider.passphrase + "\n", encoding="utf-8")
    call_command(
        "org",
        "rotate-key",
        outsider.member.organisation.slug,
        "--coordinator",
        outsider.member.handle,
        "--passphrase-file",
        str(passphrase),
        stdout=StringIO(),
    )
    arrival = Arrival.objects.get(pk=referral.pk)
    try:
        open_sealed(old_private, bytes(arrival.package))  # type: ignore[arg-type]
    except CryptoError:
        pass
    else:
        raise AssertionError("the old key still opens the waiting package")
    answered = arrival_answer(
        actor=outsider.member, keyring=keyring_of(outsider), arrival=arrival, accept=True
    )
    assert answered.status == ArrivalStatus.ACCEPTED
    assert answered.case is not None
