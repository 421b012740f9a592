"""A line on the requester's status page and the case page that leads to their referrals."""

from django import template

from haven.cases.models import Case
from haven.referrals.queries import referral_counts

register = template.Library()


@register.inclusion_tag("referrals/status_line.html")
def referral_line(case: Case) -> dict[str, object]:
    """How many referrals the case has, and how many wait for the requester's answer."""
    total, waiting = referral_counts(case)
    return {"total": total, "waiting": waiting}
