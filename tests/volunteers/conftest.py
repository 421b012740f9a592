from datetime import timedelta

from django.utils import timezone

from haven.accounts.models import Member
from tests.conftest import Persona


def vetted_long_ago(*personas: Persona, days: int = 60) -> None:
    """Members vetted long enough ago for their vouches to count."""
    Member.objects.filter(pk__in=[p.member.pk for p in personas]).update(
        vetted_at=timezone.now() - timedelta(days=days)
    )
