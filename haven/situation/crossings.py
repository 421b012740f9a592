"""The border crossings a report can name, grouped by country pair, each with the source that
names it.

Only crossings a dated source names are listed; a crossing is added here with its source, never
guessed. Sources (Haven's reference facts, checked 2026-12-03):
- Upper Lars (Verkhny Lars), Kyakhta-Altanbulag, Karaozek, Syrym: the 2022 land routes listed from
  Babel (2022-09-27), Delfi via The Postedia (2022-09), The Diplomat (2022-10) and Novaya Gazeta
  Europe (2022-09-26); Upper Lars is still in use in Feb 2026 (Kommersant, 2026-02-04).
- Kazakhstan has 51 road checkpoints with Russia; only these two are named in the sources found.
  Crossings "towards Petropavlovsk" are mentioned but not named, so they are not listed.
"""

from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language


@dataclass(frozen=True)
class Crossing:
    slug: str
    # The pair is (from, to) as people leaving Russia cross it.
    origin: str
    destination: str
    name_en: str
    name_ru: str
    source: str

    def name(self, language: str | None = None) -> str:
        """The crossing's name in the given (or active) language."""
        return self.name_ru if (language or get_language() or "ru") == "ru" else self.name_en


CROSSINGS: tuple[Crossing, ...] = (
    Crossing(
        slug="upper-lars",
        origin="RU",
        destination="GE",
        name_en="Upper Lars – Kazbegi",
        name_ru="Верхний Ларс – Казбеги",
        source="https://novayagazeta.eu/articles/2022/09/26/russias-fsb-sends-armoured-personnel-"
        "carrier-to-verkhny-lars-checkpoint-on-border-with-georgia-news",
    ),
    Crossing(
        slug="karaozek",
        origin="RU",
        destination="KZ",
        name_en="Karaozek (Astrakhan region)",
        name_ru="Караозек (Астраханская область)",
        source="https://thepostedia.com/world/89512.html",
    ),
    Crossing(
        slug="syrym",
        origin="RU",
        destination="KZ",
        name_en="Syrym (towards Oral)",
        name_ru="Сырым (на Уральск)",
        source="https://thepostedia.com/world/89512.html",
    ),
    Crossing(
        slug="kyakhta-altanbulag",
        origin="RU",
        destination="MN",
        name_en="Kyakhta – Altanbulag",
        name_ru="Кяхта – Алтанбулаг",
        source="https://thediplomat.com/2022/10/russian-citizens-flooding-into-mongolia-to-evade-"
        "conscription/",
    ),
)


@cache
def crossing_by_slug() -> dict[str, Crossing]:
    """Every crossing by its slug."""
    return {crossing.slug: crossing for crossing in CROSSINGS}


def country_pairs() -> list[tuple[tuple[str, str], list[Crossing]]]:
    """The crossings grouped by (origin, destination), in the order they are listed."""
    pairs: dict[tuple[str, str], list[Crossing]] = {}
    for crossing in CROSSINGS:
        pairs.setdefault((crossing.origin, crossing.destination), []).append(crossing)
    return list(pairs.items())
