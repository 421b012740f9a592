"""Russian codenames: seven words of a list at least as strong as the English one, read back in
Cyrillic, in Latin letters, or typed on the wrong keyboard layout, never ambiguously."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.crypto import InvalidCodename
from haven.crypto.codenames import (
    WORDS_PER_CODENAME,
    codename_from_seed,
    codename_language,
    normalise,
    wordlist,
)
from haven.crypto.spelling import latin_spellings, layout_typos


def test_the_russian_list_is_at_least_as_strong_as_the_english_one() -> None:
    russian, english = wordlist("ru"), wordlist("en")
    assert len(russian) == 8192 and len(set(russian)) == len(russian)
    assert len(russian) >= len(english)
    bits = WORDS_PER_CODENAME * math.log2(len(russian))
    assert bits == pytest.approx(91.0)
    assert bits >= WORDS_PER_CODENAME * math.log2(len(english))


def test_every_latin_form_of_a_russian_word_belongs_to_it_alone() -> None:
    english = set(wordlist("en"))
    owner: dict[str, str] = {}
    for word in wordlist("ru"):
        for spelling in latin_spellings(word) | layout_typos(word):
            assert spelling not in english, (word, spelling)
            assert owner.setdefault(spelling, word) == word, (word, spelling, owner[spelling])


@given(st.binary(min_size=32, max_size=64))
def test_a_russian_codename_reads_back_in_cyrillic_and_in_latin_letters(seed: bytes) -> None:
    codename = codename_from_seed(seed, language="ru")
    words = codename.split()
    assert len(words) == WORDS_PER_CODENAME and set(words) <= set(wordlist("ru"))
    assert normalise(codename.upper().replace(" ", " - ")) == codename
    passport = " ".join(sorted(latin_spellings(word))[0] for word in words)
    assert normalise(passport) == codename
    every_other = " ".join(max(latin_spellings(word)) for word in words)
    assert normalise(every_other.upper()) == codename


def test_cyrillic_yo_typed_for_ye_and_latin_layout_typos_are_read() -> None:
    word = next(w for w in wordlist("ru") if layout_typos(w) and "е" in w)
    codename = " ".join([word] * WORDS_PER_CODENAME)
    assert normalise(codename.replace("е", "ё")) == codename
    assert normalise(" ".join(layout_typos(word).pop() for _ in range(7))) == codename


def test_english_codenames_keep_working_in_both_scripts() -> None:
    codename = codename_from_seed(b"\x01" * 32)
    assert normalise(codename) == codename
    russian_layout = codename.translate(
        str.maketrans("qwertyuiopasdfghjklzxcvbnm", "йцукенгшщзфывапролдячсмить")
    )
    assert normalise(russian_layout) == codename


def test_a_codename_mixing_the_two_lists_is_refused_with_a_reason() -> None:
    mixed = [*codename_from_seed(b"\x02" * 32).split()[:6], wordlist("ru")[0]]
    with pytest.raises(InvalidCodename) as refused:
        normalise(" ".join(mixed))
    assert refused.value.reason == "mixed-lists"


def test_russian_pages_get_russian_codenames() -> None:
    assert codename_language("ru") == "ru"
    assert codename_language("en") == codename_language("de") == codename_language(None) == "en"
