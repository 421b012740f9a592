from datetime import timedelta

import pytest
from django.utils import timezone

from haven.accounts.models import Member, Role
from tests.conftest import Persona, invite_member


def vetted_long_ago(*personas: Persona, days: int = 60) -> None:
    """Members vetted long enough ago for their vouches to count."""
    Member.objects.filter(pk__in=[p.member.pk for p in personas]).update(
        vetted_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def host(coordinator: Persona) -> Persona:
    return invite_member(coordinator, "hana", Role.HOST)


@pytest.fixture
def elders(coordinator: Persona) -> tuple[Persona, Persona]:
    """Two members vetted months ago, whose vouches count."""
    first = invite_member(coordinator, "elder-one", Role.COUNSELOR)
    second = invite_member(coordinator, "elder-two", Role.HOST)
    vetted_long_ago(first, second)
    return first, second
