"""Organisation signing keys and fingerprints, with real libsodium."""

import pytest

from haven.crypto.keys import new_key_pair
from haven.crypto.signing import (
    BadSignature,
    fingerprint,
    normalise_fingerprint,
    public_of_seed,
    sign,
    signing_pair_from,
    verify,
)


def test_the_signing_key_follows_the_organisation_key() -> None:
    organisation = new_key_pair()
    assert signing_pair_from(organisation.private) == signing_pair_from(organisation.private)
    assert (
        signing_pair_from(organisation.private).public
        != signing_pair_from(new_key_pair().private).public
    )
    pair = signing_pair_from(organisation.private)
    assert public_of_seed(pair.seed) == pair.public
    assert pair.seed.hex() not in repr(pair)


def test_a_signature_fails_on_any_other_message_or_key() -> None:
    pair = signing_pair_from(new_key_pair().private)
    other = signing_pair_from(new_key_pair().private)
    signature = sign(pair.seed, b"referral")
    verify(pair.public, b"referral", signature)
    for public, message, signed in (
        (pair.public, b"referrat", signature),
        (other.public, b"referral", signature),
        (pair.public, b"referral", signature[:-1] + bytes([signature[-1] ^ 1])),
        (pair.public, b"referral", signature[:10]),
    ):
        with pytest.raises(BadSignature):
            verify(public, message, signed)


def test_a_fingerprint_is_six_groups_of_five_digits_and_changes_with_either_key() -> None:
    box = new_key_pair().public
    signing = signing_pair_from(new_key_pair().private).public
    printed = fingerprint(signing_public=signing, box_public=box)
    groups = printed.split()
    assert len(groups) == 6 and all(len(group) == 5 and group.isdigit() for group in groups)
    assert fingerprint(signing_public=signing, box_public=new_key_pair().public) != printed
    assert fingerprint(signing_public=box, box_public=signing) != printed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12345 67890 12345 67890 12345 67890", "12345 67890 12345 67890 12345 67890"),
        ("123456789012345678901234567890", "12345 67890 12345 67890 12345 67890"),
        ("12345-67890-12345-67890-12345-67890", "12345 67890 12345 67890 12345 67890"),
        ("12345 67890 12345 67890 12345", ""),
        ("12345 67890 12345 67890 12345 6789O", ""),
    ],
)
def test_a_typed_fingerprint_is_read_however_it_is_grouped(typed: str, expected: str) -> None:
    assert normalise_fingerprint(typed) == expected
