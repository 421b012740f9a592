"""A member whose notices nobody sends is told so on their notifications page: a Matrix channel
with no bot running, or e-mail with no worker, would otherwise wait in silence."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Member
from haven.notifications.models import Kind, Notice, Topic
from haven.notifications.queries import overdue_minutes
from haven.notifications.services import (
    cadence_set,
    channel_set,
    channel_switch,
    matrix_due,
    matrix_sent,
    send_due,
)
from tests.conftest import Persona, login
from tests.notifications.mail import MailServer

HANA = "@hana.notices:matrix.example.org"


def _notice(persona: Persona, minutes_ago: int) -> None:
    Notice.objects.create(
        member=persona.member,
        topic=Topic.PROPOSAL,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_a_notice_waiting_past_the_cadence_is_shown_as_not_going_out(host: Persona) -> None:
    channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    client = login(Client(), host)
    _notice(host, minutes_ago=20)  # within the default cadence and the grace: nothing is wrong
    page = client.get("/en/notifications/").content.decode()
    assert "notifications-overdue" not in page
    assert overdue_minutes(host.member) is None

    _notice(host, minutes_ago=180)
    page = client.get("/en/notifications/").content.decode()
    assert 'id="notifications-overdue"' in page
    assert "A notice for you has waited 180 minutes" in page
    assert "Matrix bot (haven bot) may not be running" in page
    russian = client.get("/ru/notifications/").content.decode()
    assert "Уведомление для вас ждёт уже 180 минут" in russian
    assert "Matrix-бот Haven (haven bot)" in russian
    assert "<script" not in russian
    # The bot comes back and tells the member: the notices are gone, and so is the warning.
    due = matrix_due()
    assert len(due) == 1
    matrix_sent(notice=due[0], delivered=True)
    assert "notifications-overdue" not in client.get("/en/notifications/").content.decode()


def test_the_warning_names_the_worker_for_e_mail_and_goes_once_the_notices_are_sent(
    host: Persona, smtp: MailServer
) -> None:
    channel_set(actor=host.member, address="hana@example.org", language="en", kind=Kind.EMAIL)
    _notice(host, minutes_ago=95)
    client = login(Client(), host)
    page = client.get("/en/notifications/").content.decode()
    assert "A notice for you has waited 95 minutes" in page
    assert "worker (haven worker) may not be running, or cannot send mail" in page
    # The worker's round tells the member at last: the notices are gone, and so is the warning.
    assert send_due().sent == 1
    assert "notifications-overdue" not in client.get("/en/notifications/").content.decode()


def test_the_cadence_and_the_off_switch_are_respected(coordinator: Persona, host: Persona) -> None:
    channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    _notice(host, minutes_ago=100)
    assert overdue_minutes(host.member) == 100
    # An organisation that tells at most every two hours is not late at 100 minutes.
    cadence_set(actor=coordinator.member, every_minutes=120)
    assert overdue_minutes(host.member) is None
    assert overdue_minutes(host.member, now=timezone.now() + timedelta(minutes=60)) == 160
    # Notifications turned off: nothing is expected to go out.
    channel_switch(actor=host.member, enabled=False)
    assert overdue_minutes(host.member, now=timezone.now() + timedelta(minutes=60)) is None


@pytest.mark.parametrize("kind", [Kind.MATRIX, Kind.EMAIL])
def test_no_channel_or_nothing_waiting_says_nothing(host: Persona, kind: str) -> None:
    assert overdue_minutes(host.member) is None
    channel_set(actor=host.member, address=HANA if kind == Kind.MATRIX else "h@example.org",
                language="en", kind=kind)  # fmt: skip
    assert overdue_minutes(host.member) is None


def test_coordinators_see_how_many_members_wait_on_each_channel(
    coordinator: Persona, host: Persona, counselor: Persona
) -> None:
    channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    channel_set(actor=counselor.member, address="c@example.org", language="en", kind=Kind.EMAIL)
    _notice(host, minutes_ago=200)
    _notice(counselor, minutes_ago=10)  # on time
    page = login(Client(), coordinator).get("/en/notifications/").content.decode()
    assert "1 member told on Matrix has notices waiting past the cadence" in page
    assert "told by e-mail" not in page
    _notice(counselor, minutes_ago=300)
    russian = login(Client(), coordinator).get("/ru/notifications/").content.decode()
    assert "1 участника, которому пишут в Matrix" in russian
    assert "1 участника, которому пишут на e-mail" in russian
    # A suspended member's notices go out to nobody on purpose: not counted as a delay.
    Member.objects.filter(pk=counselor.member.pk).update(is_active=False)
    page = login(Client(), coordinator).get("/en/notifications/").content.decode()
    assert "told by e-mail" not in page and "1 member told on Matrix" in page
    # Members see their own delay, never the others'.
    assert "notifications-overdue-members" not in (
        login(Client(), host).get("/en/notifications/").content.decode()
    )
