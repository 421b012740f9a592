"""Template filters for the knowledge base's bilingual content."""

from collections.abc import Iterable

from django import template
from django.utils.translation import get_language

from haven.knowledge.age import source_date_words
from haven.knowledge.facts import Source, Text, newest_source
from haven.knowledge.queries import is_editor

register = template.Library()


@register.filter
def text(value: Text) -> str:
    """The content's text in the reader's language (Russian for "ru", English otherwise)."""
    return value.get(get_language() or "ru")


@register.filter
def source_date(value: Source) -> str:
    """A source's date as precise as it was given ("2023", "March 2024", "around 2025")."""
    return source_date_words(value)


@register.filter
def knowledge_editor(member: object) -> bool:
    """Whether the member may verify and edit the facts (see haven.knowledge.queries.is_editor)."""
    return is_editor(member)


@register.filter
def newest(sources: Iterable[Source]) -> Source | None:
    """The source with the latest date, or None when none is dated."""
    return newest_source(sources)
