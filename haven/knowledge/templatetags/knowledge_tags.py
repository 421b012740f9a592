"""Template filters for the knowledge base's bilingual content."""

from django import template
from django.utils.translation import get_language

from haven.knowledge.facts import Text

register = template.Library()


@register.filter
def text(value: Text) -> str:
    """The content's text in the reader's language (Russian for "ru", English otherwise)."""
    return value.get(get_language() or "ru")
