"""Key pairs, secret keys, wrapping under a passphrase, and keyed digests."""

import hashlib
import struct
from dataclasses import dataclass

import nacl.exceptions
import nacl.public
import nacl.pwhash
import nacl.secret
import nacl.utils

from haven.crypto.errors import WrongKey, WrongPassphrase

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE
PUBLIC_KEY_BYTES = nacl.public.PublicKey.SIZE


@dataclass(frozen=True, repr=False)
class KeyPair:
    """An X25519 key pair as raw bytes; the private half never appears in a repr or a log."""

    public: bytes
    private: bytes

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public.hex()[:12]}…)"


@dataclass(frozen=True)
class KdfCost:
    """Argon2id's cost: operations and memory. Stored with every wrapped key."""

    opslimit: int
    memlimit: int


KDF_COSTS = {
    # Only for the test suite, where thousands of logins would otherwise take minutes.
    "min": KdfCost(nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN),
    "interactive": KdfCost(
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
    ),
    "moderate": KdfCost(
        nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE
    ),
}

_WRAP_VERSION = 1
_WRAP_HEADER = struct.Struct(">BQQ")  # version, opslimit, memlimit
_SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES


def new_key_pair() -> KeyPair:
    """Make a fresh X25519 key pair."""
    private = nacl.public.PrivateKey.generate()
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def key_pair_from_seed(seed: bytes) -> KeyPair:
    """Derive an X25519 key pair from 32 secret bytes."""
    private = nacl.public.PrivateKey.from_seed(seed)
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def public_key_of(private: bytes) -> bytes:
    """Return the public half of a private key."""
    return bytes(nacl.public.PrivateKey(private).public_key)


def new_secret_key() -> bytes:
    """Make a random key for a secret box."""
    return nacl.utils.random(KEY_BYTES)


def random_bytes(size: int) -> bytes:
    """Return `size` bytes from libsodium's generator."""
    return nacl.utils.random(size)


def seal_to(public: bytes, plaintext: bytes) -> bytes:
    """Seal bytes to a public key (anonymous sender: writing needs no secret)."""
    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(public)).encrypt(plaintext))


def open_sealed(private: bytes, ciphertext: bytes) -> bytes:
    """Open a sealed box with the matching private key."""
    try:
        return bytes(nacl.public.SealedBox(nacl.public.PrivateKey(private)).decrypt(ciphertext))
    except nacl.exceptions.CryptoError:
        raise WrongKey("this key does not open the sealed box") from None


def secret_seal(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt and authenticate under a secret key, with a random nonce."""
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def secret_open(key: bytes, ciphertext: bytes) -> bytes:
    """Open what `secret_seal` made under the same key."""
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(ciphertext))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise WrongKey("this key does not open the secret box") from None


def _passphrase_key(passphrase: str, salt: bytes, cost: KdfCost) -> bytes:
    return bytes(
        nacl.pwhash.argon2id.kdf(
            KEY_BYTES,
            passphrase.encode("utf-8"),
            salt,
            opslimit=cost.opslimit,
            memlimit=cost.memlimit,
        )
    )


def wrap_with_passphrase(secret: bytes, passphrase: str, cost: KdfCost) -> bytes:
    """Encrypt `secret` under a key that Argon2id derives from the passphrase.

    The result carries its own version, cost and salt, so costs can rise without a migration.
    """
    salt = nacl.utils.random(_SALT_BYTES)
    key = _passphrase_key(passphrase, salt, cost)
    header = _WRAP_HEADER.pack(_WRAP_VERSION, cost.opslimit, cost.memlimit)
    return header + salt + secret_seal(key, secret)


def unwrap_with_passphrase(blob: bytes, passphrase: str) -> bytes:
    """Open what `wrap_with_passphrase` made; raise WrongPassphrase otherwise."""
    version, opslimit, memlimit = _WRAP_HEADER.unpack_from(blob)
    if version != _WRAP_VERSION:
        raise WrongPassphrase(f"unknown wrapping version {version}")
    start = _WRAP_HEADER.size
    salt = blob[start : start + _SALT_BYTES]
    key = _passphrase_key(passphrase, salt, KdfCost(opslimit, memlimit))
    try:
        return secret_open(key, blob[start + _SALT_BYTES :])
    except WrongKey:
        raise WrongPassphrase("the passphrase does not open this key") from None


def burn_passphrase_time(passphrase: str, cost: KdfCost) -> None:
    """Spend the same Argon2id work as a real unwrap, so a missing account answers as slowly."""
    _passphrase_key(passphrase, bytes(_SALT_BYTES), cost)


def keyed_digest(data: bytes, *, key: bytes, purpose: str) -> bytes:
    """A keyed BLAKE2b digest; `purpose` keeps digests made for different uses apart."""
    person = purpose.encode("ascii")
    if len(person) > 16:
        raise ValueError("purpose must be at most 16 ASCII characters")
    return hashlib.blake2b(data, key=key[:64], person=person, digest_size=32).digest()


def derive_key(secret: bytes, *, purpose: str) -> bytes:
    """Derive a secret-box key from a high-entropy secret (not from a passphrase)."""
    return keyed_digest(secret, key=b"haven-derive-key", purpose=purpose)


def chain_digest(previous: bytes, payload: bytes) -> bytes:
    """The next link of a hash chain."""
    return hashlib.blake2b(previous + payload, digest_size=32, person=b"haven-audit").digest()


class Resealer:
    """Opens sealed boxes with one private key and seals what they hold to another public key.

    The keys are turned into boxes once, so each box costs only its own open and seal (a key
    rotation does this for every row sealed to the organisation).
    """

    def __init__(self, *, old_private: bytes, new_public: bytes) -> None:
        self._opener = nacl.public.SealedBox(nacl.public.PrivateKey(old_private))
        self._sealer = nacl.public.SealedBox(nacl.public.PublicKey(new_public))

    def reseal(self, ciphertext: bytes) -> bytes:
        """The same plaintext sealed to the new key; raise WrongKey if the old key does not open
        it (already re-sealed, or never sealed to it)."""
        try:
            plaintext = self._opener.decrypt(ciphertext)
        except nacl.exceptions.CryptoError:
            raise WrongKey("this key does not open the sealed box") from None
        return bytes(self._sealer.encrypt(plaintext))
