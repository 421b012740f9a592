"""A case's codes as the desk reads them: its status, needs, the requester's situation with the
army, and what a reveal was for."""

from django import template

from haven.cases.models import MilitaryStatus, Need, RevealScope, Status

register = template.Library()


@register.filter
def military_label(value: str) -> str:
    """The requester's situation with the army as people read it (the stored code otherwise)."""
    return str(MilitaryStatus(value).label) if value in MilitaryStatus.values else value


@register.filter
def status_label(value: str) -> str:
    """A case status code as the desk names it."""
    return str(Status(value).label) if value in Status.values else value


@register.filter
def scope_label(value: str) -> str:
    """What a reveal was for, as the desk names it."""
    return str(RevealScope(value).label) if value in RevealScope.values else value


@register.filter
def need_labels(needs: list[str]) -> str:
    """A case's needs as people read them, in the active language."""
    return ", ".join(str(Need(need).label) for need in needs)
