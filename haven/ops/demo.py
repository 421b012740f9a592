"""A realistic demo network: one organisation, its volunteers and a few hundred sealed requests.

Everything goes through the real services, so the demo database is sealed like a real one. The
people are invented.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.invites import invite_accept, invite_create
from haven.accounts.models import Member, Organisation, Role
from haven.accounts.organisations import organisation_create
from haven.accounts.totp import totp_enrol_unattended
from haven.cases.models import Case, MilitaryStatus, Need
from haven.core.places import load_places
from haven.crypto.codenames import wordlist
from haven.intake.services import Submission, request_submit
from haven.knowledge.services import knowledge_editor_grant
from haven.reports.demo import demo_outcomes
from haven.situation.demo import demo_reports
from haven.volunteers.offering import bed_offer_save, counseling_offer_save, transport_offer_save
from haven.volunteers.suspension import member_suspend
from haven.volunteers.vetting import application_approve, application_submit, vouch_give

DEMO_SLUG = "demo"
PAST_REQUESTS = 400
MINUTE = timedelta(minutes=1)
# Where people went in the September 2022 surge, roughly (shared/reference/facts.md).
COUNTRY_WEIGHT = {
    "KZ": 30,
    "GE": 22,
    "AM": 8,
    "TR": 8,
    "RS": 6,
    "KG": 5,
    "MN": 4,
    "FI": 4,
    "UZ": 4,
    "ME": 2,
    "IL": 2,
    "RU": 3,
}
FIRST_NAMES = [
    "Алексей",
    "Дмитрий",
    "Иван",
    "Сергей",
    "Никита",
    "Артём",
    "Павел",
    "Михаил",
    "Егор",
    "Кирилл",
    "Андрей",
    "Роман",
    "Тимур",
    "Ильдар",
    "Баир",
    "Arseny",
    "Gleb",
]
HANDLES = ["mrk", "lesnik", "north", "tihiy", "alex", "volna", "sever"]
STORIES = [
    "Получил повестку, уехал в тот же день. Денег хватит на неделю.",
    "Мобилизовали в сентябре, ушёл из части. Есть только внутренний паспорт.",
    "Едем с женой и ребёнком, ищем жильё на первое время.",
    "Стою в очереди на границе вторые сутки, нужна информация о маршруте.",
    "I refuse to take up arms for religious reasons and need advice on asylum.",
    "Контрактник, хочу разорвать контракт и не вернуться. Нужен юрист.",
    "Приехал один, ночевать негде, говорю только по-русски.",
]


@dataclass(frozen=True)
class DemoLogin:
    """How to log in to the demo."""

    handle: str
    passphrase: str
    totp_secret: str
    created: bool

    def current_code(self) -> str:
        """The six digits an authenticator app with this key would show now."""
        return pyotp.TOTP(self.totp_secret).now()


def _login_file() -> Path:
    return settings.DATA_DIR / "demo-login.txt"


def _passphrase() -> str:
    words = wordlist()
    return "-".join(secrets.choice(words) for _ in range(5))


def load_demo(
    *,
    requests: int = 300,
    volunteers: int = 200,
    past_requests: int = PAST_REQUESTS,
    seed: int = 2022,
) -> DemoLogin:
    """Create the demo network unless it exists; return the coordinator's login."""
    path = _login_file()
    if Organisation.objects.filter(slug=DEMO_SLUG).exists() and path.exists():
        handle, passphrase, secret = path.read_text(encoding="utf-8").split("\n")[:3]
        return DemoLogin(handle=handle, passphrase=passphrase, totp_secret=secret, created=False)
    rng = random.Random(seed)  # noqa: S311  # invented demo data, not secrets
    passphrase = _passphrase()
    with transaction.atomic():
        organisation, coordinator = organisation_create(
            slug=DEMO_SLUG,
            name="Demo network",
            coordinator_handle="coordinator",
            coordinator_passphrase=passphrase,
        )
        _counselor(coordinator)
        secret = _second_factor(coordinator, passphrase)
        # The demo's coordinator also keeps the knowledge base, to show the review queue.
        knowledge_editor_grant(actor=coordinator, member=coordinator)
    _requests(organisation, rng, requests)
    # Eight weeks before that, for the figures: weeks that are over are what gets published.
    _requests(organisation, rng, past_requests, since=timedelta(days=7), until=timedelta(weeks=9))
    _volunteers(organisation, coordinator, rng, volunteers)
    now = timezone.now()
    demo_outcomes(coordinator=coordinator, now=now)
    recent = Case.objects.filter(
        organisation=organisation, created_hour__gte=now - timedelta(days=3)
    )
    demo_reports(
        coordinator=coordinator,
        requester_ids=[str(pk) for pk in recent.values_list("pk", flat=True)[:20]],
        now=now,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"coordinator\n{passphrase}\n{secret}\n", encoding="utf-8")
    path.chmod(0o600)
    return DemoLogin(handle="coordinator", passphrase=passphrase, totp_secret=secret, created=True)


def _second_factor(coordinator: Member, passphrase: str) -> str:
    """Coordinators always need a second factor; the demo's is set up and its key printed."""
    _unlocked, secret = totp_enrol_unattended(handle=coordinator.handle, passphrase=passphrase)
    # Setting it up here spent no code a person typed: the one showing now still logs in.
    Member.objects.filter(pk=coordinator.pk).update(totp_last_step=0)
    return secret


def _counselor(coordinator: Member) -> None:
    _invite, code = invite_create(
        actor=coordinator, role=Role.COUNSELOR, organisation_private_key=None
    )
    invite_accept(code=code, handle="counselor", passphrase=_passphrase())


def _requests(
    organisation: Organisation,
    rng: random.Random,
    count: int,
    *,
    since: timedelta = timedelta(0),
    until: timedelta = timedelta(hours=72),
) -> None:
    places = [place for place in load_places() if place.country in COUNTRY_WEIGHT]
    weights = [COUNTRY_WEIGHT[place.country] * place.size for place in places]
    now = timezone.now()
    for _ in range(count):
        place = rng.choices(places, weights)[0]
        needs = {rng.choices(Need.values, [40, 25, 15, 10, 4, 6])[0]}
        if rng.random() < 0.35:
            needs.add(rng.choice(Need.values))
        received = now - since - timedelta(minutes=rng.randrange(0, int((until - since) / MINUTE)))
        submission = Submission(
            needs=tuple(sorted(needs)),
            place=place.id,
            group_size=rng.choices([1, 2, 3, 4], [70, 18, 8, 4])[0],
            languages=tuple(
                dict.fromkeys(["ru", *rng.sample(["en", "uk", "kk", "tt"], k=rng.randrange(0, 2))])
            ),
            urgency=rng.choices([1, 2, 3, 4, 5], [30, 25, 20, 15, 10])[0],
            date_from=(received + timedelta(days=rng.randrange(0, 5))).date(),
            date_until=None,
            contact=f"@{rng.choice(HANDLES)}{rng.randrange(100, 9999)}",
            name=rng.choice(FIRST_NAMES),
            military_status=rng.choice(MilitaryStatus.values),
            story=rng.choice(STORIES),
        )
        request_submit(
            organisation=organisation,
            submission=submission,
            submission_key=secrets.token_urlsafe(24),
            now=received,
        )


FOUNDERS = 12
HOST_NAMES = [
    "Айгуль",
    "Нино",
    "Армен",
    "Мехмет",
    "Дарья",
    "Bolat",
    "Giorgi",
    "Ana",
    "Elif",
    "Марина",
    "Тамара",
    "Jelena",
    "Sardor",
    "Oyuna",
    "Liisa",
]


def _join(coordinator: Member, role: str, handle: str) -> Member:
    _invite, code = invite_create(actor=coordinator, role=role, organisation_private_key=None)
    return invite_accept(code=code, handle=handle, passphrase=_passphrase())


def _volunteers(
    organisation: Organisation, coordinator: Member, rng: random.Random, count: int
) -> None:
    """Hosts, counselors and drivers in the frontline cities, joined through the vouching rule,
    with their offers, one application still waiting and one suspended member."""
    if count <= 0:
        return
    year_ago = timezone.now() - timedelta(days=365)
    places = [place for place in load_places() if place.country in COUNTRY_WEIGHT]
    weights = [COUNTRY_WEIGHT[place.country] * place.size for place in places]
    members: list[Member] = []
    for index in range(min(FOUNDERS, count)):
        members.append(_join(coordinator, ROLES_BY_INDEX[index % 3], f"founder-{index + 1}"))
    Member.objects.filter(pk__in=[member.pk for member in members]).update(vetted_at=year_ago)
    for member in members:
        member.refresh_from_db()
    for index in range(count - len(members)):
        place = rng.choices(places, weights)[0]
        role = rng.choices(ROLES_BY_INDEX, [60, 30, 10])[0]
        application, _code = application_submit(
            organisation=organisation,
            offerings=[OFFERING_BY_ROLE[role]],
            place=place.id,
            languages=list(dict.fromkeys(["ru", place.languages[0]])),
            name=rng.choice(HOST_NAMES),
            contact=f"@volunteer{index}",
            about="",
        )
        vetted = [
            member for member in members if member.vetted_at <= timezone.now() - timedelta(days=30)
        ]
        for voucher in rng.sample(vetted, k=2):
            vouch_give(
                actor=voucher,
                application=application,
                how_known="Знаем друг друга по прошлой работе.",
            )
        _invite, code = application_approve(
            actor=coordinator, application=application, role=role, organisation_private_key=None
        )
        member = invite_accept(code=code, handle=f"volunteer-{index + 1}", passphrase=_passphrase())
        # Spread the joining dates over the past months, so later vouches can count.
        joined = year_ago + timedelta(days=rng.randrange(0, 330))
        Member.objects.filter(pk=member.pk).update(vetted_at=joined)
        member.vetted_at = joined
        members.append(member)
        _offer(member, role, place.id, rng)
    waiting, _code = application_submit(
        organisation=organisation,
        offerings=["beds"],
        place="kz-oral",
        languages=["ru", "kk"],
        name="Ерлан",
        contact="@erlan_oral",
        about="Дом у границы, две комнаты.",
    )
    vouch_give(actor=members[0], application=waiting, how_known="Сосед по дому много лет.")
    if len(members) > FOUNDERS:
        member_suspend(
            actor=coordinator, member=members[1], reason="Передавал адреса посторонним (демо)."
        )


ROLES_BY_INDEX = [Role.HOST, Role.COUNSELOR, Role.HOST]
OFFERING_BY_ROLE = {Role.HOST: "beds", Role.COUNSELOR: "legal"}


def _offer(member: Member, role: str, place_id: str, rng: random.Random) -> None:
    today = timezone.localdate()
    if role == Role.COUNSELOR:
        counseling_offer_save(
            actor=member,
            offer=None,
            topics=[rng.choice(["legal", "psychological"])],
            languages=["ru"],
            countries=[place_id[:2].upper()],
            weekly_capacity=rng.randrange(2, 10),
            mode="remote",
            place="",
        )
        return
    if rng.random() < 0.15:
        transport_offer_save(
            actor=member,
            offer=None,
            origin=place_id,
            destination=rng.choice(
                [
                    p.id
                    for p in load_places()
                    if p.country == place_id[:2].upper() and p.id != place_id
                ]
                or ["kz-almaty"]
            ),
            seats=rng.randrange(1, 5),
            day=today + timedelta(days=rng.randrange(0, 10)),
        )
        return
    bed_offer_save(
        actor=member,
        offer=None,
        place=place_id,
        capacity=rng.choices([1, 2, 3, 4, 6], [30, 30, 20, 12, 8])[0],
        available_from=today,
        available_until=today + timedelta(days=rng.randrange(7, 60)),
        languages=["ru"],
        accepts=rng.sample(["families", "women", "children", "pets"], k=rng.randrange(0, 3)),
        address=f"ул. Примерная {rng.randrange(1, 200)}",
        contact=f"@host{member.pk}",
        rules="",
    )
