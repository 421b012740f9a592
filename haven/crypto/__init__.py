"""The only package that imports PyNaCl: keys, sealing, padding, codenames and digests.

Everything here is a library construction from libsodium: sealed boxes, secret boxes, Argon2id and
keyed BLAKE2b. Callers handle bytes and the named errors below, never PyNaCl's own types.
"""

from haven.crypto.errors import (
    CryptoError,
    InvalidCodename,
    TamperedData,
    WrongKey,
    WrongPassphrase,
)

__all__ = ["CryptoError", "InvalidCodename", "TamperedData", "WrongKey", "WrongPassphrase"]
