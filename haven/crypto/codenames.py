"""Codenames: seven diceware words, the requester's only credential.

A codename is never stored. The server finds a request by a peppered digest of it, and replies to
the requester are sealed to a key pair derived from it.
"""

import hashlib
import re
from functools import cache
from pathlib import Path

from haven.crypto.errors import InvalidCodename
from haven.crypto.keys import KeyPair, key_pair_from_seed, keyed_digest

WORDS_PER_CODENAME = 7
_SEPARATORS = re.compile(r"[^a-z]+")
# A Russian keyboard left in Cyrillic types these letters for the Latin keys beneath them.
_RUSSIAN_LAYOUT = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбюё", "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
)


@cache
def wordlist() -> tuple[str, ...]:
    """The EFF long list without its hyphenated words (see wordlists/README.md)."""
    path = Path(__file__).with_name("wordlists") / "eff_large.txt"
    words = tuple(path.read_text(encoding="ascii").split())
    if len(words) != 7772 or len(set(words)) != len(words):
        raise RuntimeError(f"{path} is damaged: expected 7772 distinct words")
    return words


@cache
def _word_set() -> frozenset[str]:
    return frozenset(wordlist())


def codename_from_seed(seed: bytes) -> str:
    """Map 32 or more secret bytes to seven words, uniformly (rejection sampling)."""
    words = wordlist()
    limit = (1 << 16) - (1 << 16) % len(words)
    chosen: list[str] = []
    counter = 0
    while len(chosen) < WORDS_PER_CODENAME:
        block = hashlib.blake2b(seed, digest_size=64, salt=counter.to_bytes(16, "big")).digest()
        counter += 1
        for index in range(0, len(block), 2):
            value = int.from_bytes(block[index : index + 2], "big")
            if value < limit and len(chosen) < WORDS_PER_CODENAME:
                chosen.append(words[value % len(words)])
    return " ".join(chosen)


def normalise(text: str) -> str:
    """Return the canonical form of a typed codename, or raise InvalidCodename saying what is off.

    Case, spaces, hyphens and punctuation between words do not matter; letters typed on a Russian
    keyboard layout are read as the Latin keys they sit on.
    """
    lowered = text.strip().lower()
    if any("а" <= char <= "я" or char == "ё" for char in lowered):
        lowered = lowered.translate(_RUSSIAN_LAYOUT)
    words = [word for word in _SEPARATORS.split(lowered) if word]
    if len(words) != WORDS_PER_CODENAME:
        raise InvalidCodename("word-count", count=len(words))
    known = _word_set()
    for word in words:
        if word not in known:
            raise InvalidCodename("unknown-word", word=word)
    return " ".join(words)


def lookup_digest(codename: str, *, pepper: bytes) -> bytes:
    """The peppered digest a request is found by; `codename` must already be normalised."""
    return keyed_digest(codename.encode("ascii"), key=pepper, purpose="codename-lookup")


def requester_key_pair(codename: str) -> KeyPair:
    """The requester's key pair, derived from the normalised codename alone.

    No pepper enters here, so a future client (a chat bot, libsodium.js in a browser) can derive the
    same pair from the codename. Seven words carry ~90 bits, so a fast KDF suffices.
    """
    seed = hashlib.blake2b(
        codename.encode("ascii"), digest_size=32, person=b"haven-requester"
    ).digest()
    return key_pair_from_seed(seed)
