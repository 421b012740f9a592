"""Codenames: seven diceware words, English or Russian, the requester's only credential.

A codename is never stored. The server finds a request by a peppered digest of it, and replies to
the requester are sealed to a key pair derived from it.
"""

import hashlib
import re
from functools import cache
from pathlib import Path

from haven.crypto.errors import InvalidCodename
from haven.crypto.keys import KeyPair, key_pair_from_seed, keyed_digest
from haven.crypto.spelling import RUSSIAN_TO_LATIN_KEYS, latin_spellings, layout_typos

WORDS_PER_CODENAME = 7
# Codename words in either script; ё is read as е.
_SEPARATORS = re.compile(r"[^a-zа-я]+")
# How many words each list must hold: at least as many as the English one, so a Russian codename
# is at least as strong (8,192 words carry 13 bits each; seven carry 91).
_LIST_SIZES = {"en": 7772, "ru": 8192}
LANGUAGES = tuple(_LIST_SIZES)


@cache
def wordlist(language: str = "en") -> tuple[str, ...]:
    """The codename words for a language (see wordlists/README.md)."""
    name = "eff_large.txt" if language == "en" else f"{language}.txt"
    path = Path(__file__).with_name("wordlists") / name
    words = tuple(path.read_text(encoding="utf-8").split())
    expected = _LIST_SIZES[language]
    if len(words) != expected or len(set(words)) != len(words):
        raise RuntimeError(f"{path} is damaged: expected {expected} distinct words")
    return words


@cache
def _word_set(language: str = "en") -> frozenset[str]:
    return frozenset(wordlist(language))


@cache
def _russian_in_latin() -> dict[str, str]:
    """Each Latin way of typing a Russian codename word, to the word. The list was made so that
    none of them is an English word or another word's (scripts/make-russian-wordlist)."""
    found: dict[str, str] = {}
    for word in wordlist("ru"):
        for spelling in latin_spellings(word) | layout_typos(word):
            found.setdefault(spelling, word)
    return found


def load_word_lists() -> None:
    """Read every list and the Latin forms of the Russian one (about 0.15 s), so the first
    requester to type a codename does not wait for it."""
    for language in LANGUAGES:
        _word_set(language)
    _russian_in_latin()


def codename_language(language: str | None) -> str:
    """The codename list for a page language: Russian pages get Russian words."""
    short = (language or "en").split("-")[0].lower()
    return short if short in _LIST_SIZES else "en"


def codename_from_seed(seed: bytes, *, language: str = "en") -> str:
    """Map 32 or more secret bytes to seven words of a language's list, uniformly (rejection
    sampling)."""
    words = wordlist(language)
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


def _read_word(word: str) -> tuple[str, str] | None:
    """(language, word) for one typed word, or None if it is no codename word in any reading."""
    if word.isascii():
        if word in _word_set("en"):
            return "en", word
        russian = _russian_in_latin().get(word)
        return ("ru", russian) if russian else None
    if word in _word_set("ru"):
        return "ru", word
    # English words typed on a keyboard left in the Russian layout.
    latin = word.translate(RUSSIAN_TO_LATIN_KEYS)
    return ("en", latin) if latin in _word_set("en") else None


def normalise(text: str) -> str:
    """Return the canonical form of a typed codename, or raise InvalidCodename saying what is off.

    Case, spaces, hyphens and punctuation between words do not matter. English words may be typed
    on a Russian keyboard layout; Russian words in Cyrillic, transliterated into Latin letters,
    or typed on a Latin layout. Every reading is unambiguous: the Russian list holds no word whose
    Latin forms are English words or another word's.
    """
    lowered = text.strip().lower().replace("ё", "е")
    words = [word for word in _SEPARATORS.split(lowered) if word]
    if len(words) != WORDS_PER_CODENAME:
        # Letters that are neither Latin nor Cyrillic would have split the words apart.
        raise InvalidCodename("word-count", count=len(words))
    read: list[tuple[str, str]] = []
    for word in words:
        found = _read_word(word)
        if found is None:
            raise InvalidCodename("unknown-word", word=word)
        read.append(found)
    if len({language for language, _word in read}) > 1:
        raise InvalidCodename("mixed-lists")
    return " ".join(word for _language, word in read)


def lookup_digest(codename: str, *, pepper: bytes) -> bytes:
    """The peppered digest a request is found by; `codename` must already be normalised."""
    return keyed_digest(codename.encode("utf-8"), key=pepper, purpose="codename-lookup")


def requester_key_pair(codename: str) -> KeyPair:
    """The requester's key pair, derived from the normalised codename alone.

    No pepper enters here, so a future client (a chat bot, libsodium.js in a browser) can derive the
    same pair from the codename. Seven words carry ~90 bits, so a fast KDF suffices.
    """
    seed = hashlib.blake2b(
        codename.encode("utf-8"), digest_size=32, person=b"haven-requester"
    ).digest()
    return key_pair_from_seed(seed)
