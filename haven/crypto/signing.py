"""Organisation signing keys (Ed25519) and the fingerprints people compare out of band.

An organisation's signing key is derived from its private key, so it exists only where the
organisation key is unlocked (a coordinator's login) and changes when that key is replaced.
"""

import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from haven.crypto.errors import CryptoError
from haven.crypto.keys import derive_key

SIGNATURE_BYTES = 64
VERIFY_KEY_BYTES = 32
# Six groups of five digits: about 99 bits, short enough to read aloud over a call.
FINGERPRINT_GROUPS = 6


class BadSignature(CryptoError):
    """The signature does not match the message and the key given."""


@dataclass(frozen=True, repr=False)
class SigningPair:
    """An Ed25519 key pair as raw bytes: `seed` is the secret half."""

    public: bytes
    seed: bytes

    def __repr__(self) -> str:
        return f"SigningPair(public={self.public.hex()[:12]}…)"


def signing_pair_from(organisation_private: bytes) -> SigningPair:
    """The organisation's signing key pair, derived from its private key."""
    seed = derive_key(organisation_private, purpose="org-signing")
    key = nacl.signing.SigningKey(seed)
    return SigningPair(public=bytes(key.verify_key), seed=seed)


def public_of_seed(seed: bytes) -> bytes:
    """The public half of a signing key given by its seed."""
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    """A detached Ed25519 signature of `message`."""
    return bytes(nacl.signing.SigningKey(seed).sign(message).signature)


def verify(public: bytes, message: bytes, signature: bytes) -> None:
    """Raise BadSignature unless `signature` is `public`'s signature of `message`."""
    if len(public) != VERIFY_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        raise BadSignature("a key or signature of the wrong length")
    try:
        nacl.signing.VerifyKey(public).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
        raise BadSignature("the signature does not match") from None


def fingerprint(*, signing_public: bytes, box_public: bytes) -> str:
    """Digits two people compare to know they hold the same organisation keys (like Signal's
    safety numbers: five bytes of a hash per group, each read as a number below 100,000)."""
    digest = hashlib.blake2b(
        signing_public + box_public, digest_size=FINGERPRINT_GROUPS * 5, person=b"haven-fingerpr"
    ).digest()
    groups = [
        f"{int.from_bytes(digest[index : index + 5], 'big') % 100_000:05d}"
        for index in range(0, len(digest), 5)
    ]
    return " ".join(groups)


def normalise_fingerprint(text: str) -> str:
    """The canonical form of a typed fingerprint (digits grouped by five), or '' if it is none."""
    digits = "".join(character for character in text if character.isdigit())
    if len(digits) != FINGERPRINT_GROUPS * 5 or len(digits) != len(
        "".join(text.split()).replace("-", "")
    ):
        return ""
    return " ".join(digits[index : index + 5] for index in range(0, len(digits), 5))
