import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.forms import BoundField
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info

from haven.core.geography import country_name as _country_name
from haven.core.geography import language_name as _language_name

register = template.Library()
BARE_VALUE = re.compile(r"[A-Za-z0-9_-]+")


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict[str, object]]:
    """The same page in each language, as plain links (no script, no cookie)."""
    request: HttpRequest | None = context.get("request")
    path = request.path if request is not None else "/"
    current = get_language()
    # Each language is named in itself, so a reader who cannot read the current one finds theirs.
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": _translated(path, code, current),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


@lru_cache(maxsize=1024)
def _translated(path: str, code: str, current: str | None) -> str:
    """The path in another language (as read in the current one): resolving and reversing it
    costs more than the rest of a small page, and every requester opens the same few."""
    return translate_url(path, code)


@register.filter
def country_name(code: str) -> str:
    return _country_name(code)


@register.filter
def language_name(code: str) -> str:
    return _language_name(code)


@register.filter
def place_label(place_id: str) -> str:
    """A place id as "City, Country" in the active language."""
    from haven.core.places import UnknownPlace, name, place_by_id

    try:
        place = place_by_id(place_id)
    except UnknownPlace:
        return _country_name(place_id[:2]) if place_id else ""
    return f"{name(place, get_language() or 'ru')}, {_country_name(place.country)}"


@register.simple_tag
def choice_inputs(field: BoundField) -> SafeString:
    """A multiple-choice field's boxes or radio buttons, each inside its label.

    Written in Python because Django's widget templates cost about a tenth of a millisecond per
    choice, and the request form has forty of them on every view of it.
    """
    widget = field.field.widget
    kind = widget.input_type
    chosen = set(widget.format_value(field.value()))
    name = escape(field.html_name)
    parts = []
    for value, label in field.field.choices:  # type: ignore[attr-defined]  # a ChoiceField
        text = "" if value is None else str(value)
        mark = " checked" if text in chosen else ""
        # A slug needs no quotes, and the label's flex gap spaces the text: the request form has
        # forty of these and is near the weight a requester's page may have.
        shown = text if BARE_VALUE.fullmatch(text) else f'"{escape(text)}"'
        parts.append(
            f"<label><input type={kind} name={name} value={shown}{mark}>{escape(label)}</label>"
        )
    return mark_safe("".join(parts))  # noqa: S308  # every value and label escaped above
