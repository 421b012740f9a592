"""The cost of opening a worked case: one case with N sealed notes and N sealed messages, its page
fetched through the whole Django stack (middleware, unlock, audit, templates) by a logged-in
coordinator, against the desk's list page fetched the same way in the same run.

The figures are medians of repeated requests; the ratio to the list page is what compares across
machines.
"""

import json
import secrets
import statistics
import time
from collections.abc import Callable

import pyotp
from django.db import connection
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Member, Organisation
from haven.accounts.organisations import organisation_create
from haven.accounts.totp import totp_enrol_unattended
from haven.accounts.unlock import Keyring
from haven.bench.timing import p95, timed
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case, RevealScope
from haven.cases.notes import note_add
from haven.crypto.codenames import requester_key_pair
from haven.intake.services import Submission, request_submit
from haven.messaging.services import message_from_requester, message_to_requester

BENCH_SLUG = "bench-case"


def _submission() -> Submission:
    return Submission(
        needs=("legal", "shelter"),
        place="am-yerevan",
        group_size=2,
        languages=("ru", "en"),
        urgency=4,
        date_from=timezone.localdate(),
        date_until=None,
        contact="@bench_requester",
        name="Бенчмарк",
        story="Нужен юрист и ночлег. " * 20,
    )


def _worked_case(organisation: Organisation, member: Member, keyring: Keyring, size: int) -> Case:
    accepted = request_submit(
        organisation=organisation,
        submission=_submission(),
        submission_key=secrets.token_urlsafe(24),
    )
    case = accepted.case
    case_triage(actor=member, case=case, decision="accept")
    case_move(actor=member, case=case, status="in_progress")
    case.refresh_from_db()
    private = requester_key_pair(accepted.codename).private
    for number in range(size):
        note_add(
            actor=member,
            keyring=keyring,
            case=case,
            text=f"Заметка {number}: позвонили, договорились о встрече. " * 4,
            is_task=number % 5 == 0,
        )
        if number % 2 == 0:
            message_to_requester(
                actor=member, keyring=keyring, case=case, text=f"Сообщение {number}. " * 10
            )
        else:
            message_from_requester(
                case=case, requester_private=private, text=f"Ответ {number}. " * 10
            )
    return case


def _time(client: Client, path: str, repeats: int) -> list[float]:
    def get() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    get()  # warm caches (templates, the region's matching index) as a second look would
    return timed(get, repeats)


def run(size: int, repeats: int, as_json: bool, out: Callable[[str], None]) -> None:
    """Make a fresh worked case in the bench organisation and time its page against the list."""
    passphrase = secrets.token_urlsafe(24)
    # A fresh organisation each run: logging in needs a coordinator whose passphrase is known
    # now. It takes no requests, so it never shows on the requester's pages.
    organisation, member = organisation_create(
        slug=f"{BENCH_SLUG}-{secrets.token_hex(3)}",
        name="Case benchmark",
        coordinator_handle=f"bench-case-{secrets.token_hex(3)}",
        coordinator_passphrase=passphrase,
    )
    Organisation.objects.filter(pk=organisation.pk).update(accepts_requests=False)
    unlocked, secret = totp_enrol_unattended(handle=member.handle, passphrase=passphrase)
    keyring = Keyring(member=member, _private=unlocked.private_key)
    begin = time.perf_counter()
    case = _worked_case(organisation, member, keyring, size)
    build_seconds = time.perf_counter() - begin

    client = Client(SERVER_NAME="127.0.0.1")
    client.post("/en/accounts/login/", {"handle": member.handle, "passphrase": passphrase})
    Member.objects.filter(pk=member.pk).update(totp_last_step=0)
    client.post("/en/accounts/login/code/", {"code": pyotp.TOTP(secret).now()})
    case_path = f"/en/desk/{case.pk}/"
    closed = _time(client, case_path, repeats)
    reason = {"reason": "measuring the case page", "scope": RevealScope.FULL}
    if client.post(f"{case_path}reveal/", reason).status_code != 200:
        raise RuntimeError("the bench coordinator could not open the case")
    listing = _time(client, "/en/desk/", repeats)
    opened = _time(client, case_path, repeats)
    base = statistics.median(listing)
    rows = [
        ("desk list page (baseline)", listing),
        ("case page, sealed (coarse only)", closed),
        (f"case page, opened ({size} notes + {size} messages)", opened),
    ]
    result = {
        "database": connection.vendor,
        "notes": size,
        "messages": size,
        "repeats": repeats,
        "build_seconds": round(build_seconds, 1),
        "pages": {
            name: {
                "p50_ms": round(statistics.median(samples), 2),
                "p95_ms": round(p95(samples), 2),
                "p50_ratio_to_list": round(statistics.median(samples) / base, 2),
            }
            for name, samples in rows
        },
    }
    if as_json:
        out(json.dumps(result, indent=2))
        return
    out(
        f"case benchmark on {connection.vendor}: {size} notes and {size} messages, "
        f"{repeats} requests each (built in {build_seconds:.1f} s)"
    )
    out(f"{'page':<46} {'p50 ms':>8} {'p95 ms':>8} {'p50 / list':>11}")
    for name, samples in rows:
        median = statistics.median(samples)
        out(f"{name:<46} {median:>8.2f} {p95(samples):>8.2f} {median / base:>11.2f}")
