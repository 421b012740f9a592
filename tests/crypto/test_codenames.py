import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.crypto import InvalidCodename
from haven.crypto.codenames import (
    WORDS_PER_CODENAME,
    codename_from_seed,
    lookup_digest,
    normalise,
    requester_key_pair,
    wordlist,
)


def test_codename_carries_about_ninety_bits() -> None:
    assert WORDS_PER_CODENAME * math.log2(len(wordlist())) > 90


@given(st.binary(min_size=32, max_size=64))
def test_codename_is_seven_known_words_and_deterministic(seed: bytes) -> None:
    codename = codename_from_seed(seed)
    words = codename.split()
    assert len(words) == WORDS_PER_CODENAME
    assert set(words) <= set(wordlist())
    assert codename_from_seed(seed) == codename
    assert normalise(codename) == codename


def test_different_seeds_give_different_codenames() -> None:
    assert codename_from_seed(b"a" * 32) != codename_from_seed(b"b" * 32)


@pytest.mark.parametrize(
    "typed",
    [
        "Abacus Abdomen abdominal ABIDE abiding ability ablaze",
        "  abacus-abdomen-abdominal-abide-abiding-ability-ablaze ",
        "abacus, abdomen, abdominal, abide, abiding, ability, ablaze.",
        # The same keys pressed with a Russian layout switched on.
        "фифсгы фивщьут фивщьштфд фишву фишвштп фишдшен фидфяу",
    ],
)
def test_normalise_forgives_case_separators_and_keyboard_layout(typed: str) -> None:
    assert normalise(typed) == "abacus abdomen abdominal abide abiding ability ablaze"


def test_normalise_counts_the_words() -> None:
    with pytest.raises(InvalidCodename) as error:
        normalise("abacus abdomen")
    assert error.value.reason == "word-count"
    assert error.value.count == 2


def test_normalise_names_the_misspelt_word() -> None:
    with pytest.raises(InvalidCodename) as error:
        normalise("abacus abdomen abdominal abide abiding abilty ablaze")
    assert error.value.word == "abilty"


def test_lookup_digest_depends_on_the_pepper() -> None:
    codename = codename_from_seed(b"s" * 32)
    assert lookup_digest(codename, pepper=b"one") != lookup_digest(codename, pepper=b"two")


def test_requester_key_pair_is_derived_from_the_codename_alone() -> None:
    codename = codename_from_seed(b"s" * 32)
    assert requester_key_pair(codename) == requester_key_pair(codename)
    assert (
        requester_key_pair(codename).public
        != requester_key_pair(codename_from_seed(b"t" * 32)).public
    )
