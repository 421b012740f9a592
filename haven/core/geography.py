"""Country and language names as people read them, translated."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNTRY_NAMES: dict[str, Promise] = {
    "RU": _("Russia"),
    "BY": _("Belarus"),
    "KZ": _("Kazakhstan"),
    "GE": _("Georgia"),
    "AM": _("Armenia"),
    "TR": _("Turkey"),
    "FI": _("Finland"),
    "RS": _("Serbia"),
    "KG": _("Kyrgyzstan"),
    "UZ": _("Uzbekistan"),
    "MN": _("Mongolia"),
    "ME": _("Montenegro"),
    "IL": _("Israel"),
    "DE": _("Germany"),
    "FR": _("France"),
    "US": _("United States"),
    "EE": _("Estonia"),
    "LV": _("Latvia"),
    "LT": _("Lithuania"),
    "PL": _("Poland"),
}

LANGUAGE_NAMES: dict[str, Promise] = {
    "ru": _("Russian"),
    "uk": _("Ukrainian"),
    "be": _("Belarusian"),
    "kk": _("Kazakh"),
    "ky": _("Kyrgyz"),
    "uz": _("Uzbek"),
    "tg": _("Tajik"),
    "hy": _("Armenian"),
    "ka": _("Georgian"),
    "az": _("Azerbaijani"),
    "tt": _("Tatar"),
    "ba": _("Bashkir"),
    "ce": _("Chechen"),
    "mn": _("Mongolian"),
    "tr": _("Turkish"),
    "sr": _("Serbian"),
    "fi": _("Finnish"),
    "et": _("Estonian"),
    "lv": _("Latvian"),
    "lt": _("Lithuanian"),
    "pl": _("Polish"),
    "he": _("Hebrew"),
    "de": _("German"),
    "fr": _("French"),
    "en": _("English"),
}


def country_name(iso2: str) -> str:
    """The country's name in the active language (the code itself if unknown)."""
    name = COUNTRY_NAMES.get(iso2.upper())
    return str(name) if name is not None else iso2.upper()


def language_name(code: str) -> str:
    """The language's name in the active language (the code itself if unknown)."""
    name = LANGUAGE_NAMES.get(code)
    return str(name) if name is not None else code
