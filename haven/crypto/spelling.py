"""How a Russian codename word may be typed with Latin letters: transliterated (as in a passport,
or the common ways besides), or typed on a keyboard left in the Latin layout. Plain Python, so
scripts/make-russian-wordlist can use it without the rest of Haven."""

from itertools import product

# ICAO's transliteration (Russian passports since 2013) first, then the common ways besides.
_LATIN: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ж": ("zh",), "з": ("z",), "и": ("i",), "й": ("i", "y", "j"), "к": ("k",), "л": ("l",),
    "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",),
    "у": ("u",), "ф": ("f",), "х": ("kh", "h", "x"), "ц": ("ts", "c", "tz"), "ч": ("ch",),
    "ш": ("sh",), "щ": ("shch", "sch"), "ы": ("y",), "ь": ("",), "э": ("e",),
    "ю": ("iu", "yu", "ju"), "я": ("ia", "ya", "ja"),
}  # fmt: skip
# At most this many Latin spellings are considered for one word.
_MOST_SPELLINGS = 256
# The Latin key under each Russian letter on a standard (ЙЦУКЕН over QWERTY) keyboard.
_RUSSIAN_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
RUSSIAN_TO_LATIN_KEYS = str.maketrans(_RUSSIAN_KEYS, _LATIN_KEYS)
LATIN_TO_RUSSIAN_KEYS = str.maketrans(_LATIN_KEYS, _RUSSIAN_KEYS)


def latin_spellings(word: str) -> set[str]:
    """Every Latin spelling of a Russian word under the table above (ICAO's comes first in it)."""
    choices = [_LATIN[letter] for letter in word]
    spellings: set[str] = set()
    for parts in product(*choices):
        spellings.add("".join(parts))
        if len(spellings) >= _MOST_SPELLINGS:
            break
    return spellings


def layout_typos(word: str) -> set[str]:
    """What typing the Russian word on a keyboard left in the Latin layout gives, if that is all
    letters (otherwise a separator would cut the word, and it cannot be read back)."""
    typed = word.translate(RUSSIAN_TO_LATIN_KEYS)
    return {typed} if typed.isascii() and typed.isalpha() else set()
