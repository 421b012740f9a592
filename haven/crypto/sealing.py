"""Sealed record fields: padded to size buckets and bound to their record and field name.

Each record has its own random data key; the key itself is sealed to the organisation's public key
(`seal_data_key`). Destroying that sealed key shreds the record.
"""

import json

import nacl.bindings

from haven.crypto.errors import TamperedData
from haven.crypto.keys import new_secret_key, open_sealed, seal_to, secret_open, secret_seal

# Sizes a plaintext is padded up to, so a ciphertext's length says little about what it holds.
BUCKETS = (256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576)
_FORMAT = 1


def pad(data: bytes) -> bytes:
    """Pad to the smallest bucket that holds the data (ISO/IEC 7816-4, libsodium's sodium_pad)."""
    for bucket in BUCKETS:
        if len(data) < bucket:
            return bytes(nacl.bindings.sodium_pad(data, bucket))
    raise ValueError(f"a sealed field holds at most {BUCKETS[-1] - 1} bytes")


def unpad(data: bytes) -> bytes:
    """Remove what `pad` added."""
    return bytes(nacl.bindings.sodium_unpad(data, len(data)))


def new_data_key() -> bytes:
    """Make a random key for one record's sealed fields."""
    return new_secret_key()


def seal_data_key(data_key: bytes, *, to_public: bytes) -> bytes:
    """Seal a record's data key to a public key (the organisation's, or a member's)."""
    return seal_to(to_public, data_key)


def open_data_key(sealed_key: bytes, *, with_private: bytes) -> bytes:
    """Open a record's data key with the private key it was sealed to."""
    return open_sealed(with_private, sealed_key)


def wrap_key(key: bytes, *, under: bytes) -> bytes:
    """Encrypt one secret key under another (a case's thread key under its data key)."""
    return secret_seal(under, key)


def unwrap_key(wrapped: bytes, *, under: bytes) -> bytes:
    """Open what `wrap_key` made; raise WrongKey with any other key."""
    return secret_open(under, bytes(wrapped))


class FieldSealer:
    """Seals and opens the fields of one record under that record's data key."""

    def __init__(self, data_key: bytes, record_id: str) -> None:
        self._key = data_key
        self._record_id = record_id

    def seal(self, field: str, value: str) -> bytes:
        """Encrypt one field's text, with the record id and field name inside the plaintext."""
        plaintext = json.dumps(
            [_FORMAT, self._record_id, field, value], ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        return secret_seal(self._key, pad(plaintext))

    def open(self, field: str, ciphertext: bytes) -> str:
        """Decrypt one field; raise TamperedData if it was sealed for another record or field."""
        plaintext = unpad(secret_open(self._key, bytes(ciphertext)))
        version, record_id, sealed_field, value = json.loads(plaintext.decode("utf-8"))
        if version != _FORMAT or record_id != self._record_id or sealed_field != field:
            raise TamperedData(
                f"ciphertext for {sealed_field!r} of another record was placed in {field!r}"
            )
        return str(value)


def seal_fields(
    *, recipients: list[bytes], record_id: str, values: dict[str, str]
) -> tuple[list[bytes], dict[str, bytes | None]]:
    """Seal a record's fields under a fresh data key, and that key to each recipient's public key.

    Returns the data key sealed once per recipient (in their order) and one ciphertext per field
    (None for an empty value).
    """
    data_key = new_data_key()
    sealer = FieldSealer(data_key, record_id)
    sealed = {name: sealer.seal(name, value) if value else None for name, value in values.items()}
    return [seal_data_key(data_key, to_public=public) for public in recipients], sealed


def open_fields(
    *, data_key: bytes, record_id: str, sealed: dict[str, bytes | None]
) -> dict[str, str]:
    """Open what `seal_fields` made; empty fields come back as empty strings."""
    sealer = FieldSealer(data_key, record_id)
    return {
        name: sealer.open(name, bytes(ciphertext)) if ciphertext else ""
        for name, ciphertext in sealed.items()
    }
