import pytest

from haven.crypto import TamperedData, WrongKey, WrongPassphrase
from haven.crypto.keys import (
    KDF_COSTS,
    new_key_pair,
    open_sealed,
    seal_to,
    unwrap_with_passphrase,
    wrap_with_passphrase,
)
from haven.crypto.sealing import (
    BUCKETS,
    FieldSealer,
    new_data_key,
    open_data_key,
    pad,
    seal_data_key,
    unpad,
)


def test_field_round_trips_cyrillic_text() -> None:
    sealer = FieldSealer(new_data_key(), "case-1")
    sealed = sealer.seal("story", "Получил повестку 21 сентября")
    assert sealer.open("story", sealed) == "Получил повестку 21 сентября"
    assert "повестку".encode() not in sealed


def test_field_moved_to_another_field_is_refused() -> None:
    sealer = FieldSealer(new_data_key(), "case-1")
    sealed = sealer.seal("contact", "@someone")
    with pytest.raises(TamperedData):
        sealer.open("name", sealed)


def test_field_moved_to_another_record_with_the_same_key_is_refused() -> None:
    key = new_data_key()
    sealed = FieldSealer(key, "case-1").seal("contact", "@someone")
    with pytest.raises(TamperedData):
        FieldSealer(key, "case-2").open("contact", sealed)


def test_field_under_another_key_does_not_open() -> None:
    sealed = FieldSealer(new_data_key(), "case-1").seal("contact", "@someone")
    with pytest.raises(WrongKey):
        FieldSealer(new_data_key(), "case-1").open("contact", sealed)


@pytest.mark.parametrize("length", [0, 1, 200, 254, 255, 256, 1000, 5000])
def test_padding_hides_length_within_a_bucket(length: int) -> None:
    data = b"x" * length
    padded = pad(data)
    assert len(padded) in BUCKETS
    assert len(padded) > length
    assert unpad(padded) == data


def test_short_and_long_values_in_one_bucket_seal_to_the_same_size() -> None:
    sealer = FieldSealer(new_data_key(), "case-1")
    assert len(sealer.seal("name", "A")) == len(sealer.seal("name", "A" * 150))


def test_data_key_opens_only_with_the_matching_private_key() -> None:
    organisation, stranger = new_key_pair(), new_key_pair()
    key = new_data_key()
    sealed = seal_data_key(key, to_public=organisation.public)
    assert open_data_key(sealed, with_private=organisation.private) == key
    with pytest.raises(WrongKey):
        open_data_key(sealed, with_private=stranger.private)


def test_sealed_box_needs_no_secret_to_write() -> None:
    pair = new_key_pair()
    assert open_sealed(pair.private, seal_to(pair.public, b"secret")) == b"secret"


def test_passphrase_wrapping_refuses_a_wrong_passphrase() -> None:
    wrapped = wrap_with_passphrase(b"k" * 32, "a long passphrase", KDF_COSTS["min"])
    assert unwrap_with_passphrase(wrapped, "a long passphrase") == b"k" * 32
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(wrapped, "a long passphrasf")


def test_key_pair_repr_hides_the_private_key() -> None:
    pair = new_key_pair()
    assert pair.private.hex() not in repr(pair)
