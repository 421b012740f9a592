"""A volunteer's application as coordinators read it."""

from django import template

from haven.volunteers.models import Offering

register = template.Library()


@register.filter
def offering_labels(offerings: list[str]) -> str:
    """An application's offerings as people read them."""
    return ", ".join(str(Offering(item).label) for item in offerings if item in Offering.values)
