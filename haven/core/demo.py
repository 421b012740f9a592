"""A realistic demo network: one organisation, its volunteers and a few hundred sealed requests.

Everything goes through the real services, so the demo database is sealed like a real one. The
people are invented.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Member, Organisation, Role
from haven.accounts.services import invite_accept, invite_create, organisation_create
from haven.cases.models import MilitaryStatus, Need
from haven.core.places import load_places
from haven.crypto.codenames import wordlist
from haven.intake.services import Submission, request_submit

DEMO_SLUG = "demo"
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
    created: bool


def _login_file() -> Path:
    return settings.DATA_DIR / "demo-login.txt"


def _passphrase() -> str:
    words = wordlist()
    return "-".join(secrets.choice(words) for _ in range(5))


def load_demo(*, requests: int = 300, seed: int = 2022) -> DemoLogin:
    """Create the demo network unless it exists; return the coordinator's login."""
    path = _login_file()
    if Organisation.objects.filter(slug=DEMO_SLUG).exists() and path.exists():
        handle, passphrase = path.read_text(encoding="utf-8").split("\n")[:2]
        return DemoLogin(handle=handle, passphrase=passphrase, created=False)
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
    _requests(organisation, rng, requests)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"coordinator\n{passphrase}\n", encoding="utf-8")
    path.chmod(0o600)
    return DemoLogin(handle="coordinator", passphrase=passphrase, created=True)


def _counselor(coordinator: Member) -> None:
    _invite, code = invite_create(
        actor=coordinator, role=Role.COUNSELOR, organisation_private_key=None
    )
    invite_accept(code=code, handle="counselor", passphrase=_passphrase())


def _requests(organisation: Organisation, rng: random.Random, count: int) -> None:
    places = [place for place in load_places() if place.country in COUNTRY_WEIGHT]
    weights = [COUNTRY_WEIGHT[place.country] * place.size for place in places]
    now = timezone.now()
    for _ in range(count):
        place = rng.choices(places, weights)[0]
        needs = {rng.choices(Need.values, [40, 25, 15, 10, 4, 6])[0]}
        if rng.random() < 0.35:
            needs.add(rng.choice(Need.values))
        received = now - timedelta(minutes=rng.randrange(0, 72 * 60))
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
