"""Two Haven installs on loopback, for `haven bench referral` and the tests that walk a referral
between installs: each has its own data directory (its own SQLite file) and a real `haven serve`.

`python -m haven.referrals.installs ACTION JSON` runs one act against the database of
HAVEN_DATA_DIR through the real services and prints JSON: it plays the people at each desk (and
the requester at the status page), whose pages call the same services. Only 127.0.0.1 is used.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# The throwaway coordinators of the bench's and tests' temporary installs.
PASSPHRASE = "correct horse battery staple"  # noqa: S105  # not a secret: a throwaway install's


def _keyring(handle: str) -> Any:
    from haven.accounts.credentials import member_unlock
    from haven.accounts.unlock import Keyring

    unlocked = member_unlock(handle=handle, passphrase=PASSPHRASE)
    if unlocked is None:
        raise RuntimeError(f"{handle} does not unlock")
    return Keyring(member=unlocked.member, _private=unlocked.private_key)


def setup(slug: str, handle: str) -> dict[str, object]:
    from haven.accounts.organisations import organisation_create
    from haven.referrals.envelopes import b64
    from haven.referrals.partners import identity_ensure

    organisation_create(
        slug=slug, name=slug.title(), coordinator_handle=handle, coordinator_passphrase=PASSPHRASE
    )
    identity = identity_ensure(keyring=_keyring(handle))
    return {
        "fingerprint": identity.fingerprint,
        "signing": b64(bytes(identity.signing_public)),
        "box": b64(bytes(identity.box_public)),
    }


def add_partner(
    handle: str, name: str, address: str, signing: str, box: str, fingerprint: str
) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.referrals.envelopes import unb64
    from haven.referrals.partners import partner_add_remote

    partner = partner_add_remote(
        actor=Member.objects.get(handle=handle),
        name=name,
        address=address,
        signing_public=unb64(signing),
        box_public=unb64(box),
        typed_fingerprint=fingerprint,
        needs=["legal"],
        countries=["de"],
        languages=["ru"],
    )
    return {"partner": partner.pk}


def request(handle: str) -> dict[str, object]:
    from django.utils import timezone

    from haven.accounts.models import Member
    from haven.cases.lifecycle import case_triage
    from haven.intake.services import Submission, request_submit

    member = Member.objects.select_related("organisation").get(handle=handle)
    accepted = request_submit(
        organisation=member.organisation,
        submission=Submission(
            needs=("legal", "shelter"),
            place="kz-almaty",
            group_size=1,
            languages=("ru",),
            urgency=4,
            date_from=timezone.localdate(),
            date_until=timezone.localdate() + timedelta(days=14),
            contact="@telegram_handle",
            name="Алексей",
            military_status="called_up",
            story="Получил повестку, уехал в тот же день.",
        ),
        submission_key=secrets.token_urlsafe(24),
    )
    case_triage(actor=member, case=accepted.case, decision="accept")
    return {"case": str(accepted.case.pk), "codename": accepted.codename}


def propose(handle: str, case: str, partner: int, document_bytes: int = 0) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.cases.models import Case
    from haven.referrals.envelopes import b64
    from haven.referrals.models import Partner
    from haven.referrals.proposals import referral_propose

    started = time.perf_counter()
    referral = referral_propose(
        actor=Member.objects.get(handle=handle),
        keyring=_keyring(handle),
        case=Case.objects.get(pk=case),
        partner=Partner.objects.get(pk=partner),
        fields=["name", "story"],
        with_thread=False,
        with_documents=bool(document_bytes),
        reason="They need a lawyer where they are going.",
        documents=[secrets.token_bytes(document_bytes)] if document_bytes else [],
    )
    return {
        "seconds": time.perf_counter() - started,
        "bytes": len(bytes(referral.envelope or b"")),
        "referral": str(referral.pk),
        "envelope": b64(bytes(referral.envelope or b"")),
        "signature": b64(bytes(referral.signature or b"")),
    }


def consent(case: str, referral: str) -> dict[str, object]:
    from haven.cases.models import Case
    from haven.referrals.models import Referral
    from haven.referrals.proposals import referral_consent

    done = referral_consent(
        case=Case.objects.get(pk=case), referral=Referral.objects.get(pk=referral), accept=True
    )
    return {"status": done.status}


def deliver() -> dict[str, object]:
    from haven.referrals.delivery import deliver_due

    started = time.perf_counter()
    result: dict[str, object] = dict(deliver_due())
    result["seconds"] = time.perf_counter() - started
    return result


def due_now() -> dict[str, object]:
    """Move every outbox row's next attempt to now, as if its back-off had passed."""
    from django.utils import timezone

    from haven.referrals.models import Arrival, Referral

    moved = Referral.objects.filter(envelope__isnull=False).update(next_attempt_at=timezone.now())
    moved += Arrival.objects.filter(envelope__isnull=False).update(next_attempt_at=timezone.now())
    return {"moved": moved}


def answer(handle: str, referral: str, accept: bool, note: str) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.referrals.arrivals import arrival_answer
    from haven.referrals.models import Arrival

    started = time.perf_counter()
    arrival = arrival_answer(
        actor=Member.objects.get(handle=handle),
        keyring=_keyring(handle),
        arrival=Arrival.objects.get(pk=referral),
        accept=accept,
        note=note,
    )
    seconds = time.perf_counter() - started
    fields: dict[str, str] = {}
    if arrival.case is not None:
        from haven.cases.reveal import case_reveal

        opened = case_reveal(
            actor=arrival.answered_by,  # type: ignore[arg-type]
            keyring=_keyring(handle),
            case=arrival.case,
            reason="reading the referred case",
        )
        fields = opened.fields
    return {
        "seconds": seconds,
        "status": arrival.status,
        "case": str(arrival.case_id or ""),
        "fields": fields,
    }


def write(handle: str, case: str, text: str) -> dict[str, object]:
    """A member writes to the requester on a case."""
    from haven.accounts.models import Member
    from haven.cases.models import Case
    from haven.messaging.services import message_to_requester

    message = message_to_requester(
        actor=Member.objects.get(handle=handle),
        keyring=_keyring(handle),
        case=Case.objects.get(pk=case),
        text=text,
    )
    return {"message": str(message.pk)}


def reply(referral: str, codename: str, text: str) -> dict[str, object]:
    """The requester, logged in with the codename, answers the partner that took the referral."""
    from haven.crypto.codenames import requester_key_pair
    from haven.referrals.models import Referral
    from haven.referrals.proposals import referral_reply

    sent = Referral.objects.select_related("case", "partner").get(pk=referral)
    message = referral_reply(
        case=sent.case,
        referral=sent,
        requester_private=requester_key_pair(codename).private,
        text=text,
    )
    return {"message": str(message.pk)}


def thread(handle: str, case: str) -> dict[str, object]:
    """A member reads a case's thread (after a reveal, as the case page does)."""
    from haven.accounts.models import Member
    from haven.cases.models import Case
    from haven.cases.reveal import case_reveal
    from haven.messaging.services import thread_for_staff

    member = Member.objects.get(handle=handle)
    keyring = _keyring(handle)
    opened = Case.objects.get(pk=case)
    case_reveal(actor=member, keyring=keyring, case=opened, reason="reading the requester's answer")
    return {
        "messages": [
            {"from_requester": item.message.from_requester, "text": item.text}
            for item in thread_for_staff(keyring=keyring, case=opened)
        ]
    }


def state(referral: str, codename: str = "") -> dict[str, object]:
    from haven.audit.models import Event
    from haven.crypto.codenames import requester_key_pair
    from haven.referrals.models import Arrival, Referral
    from haven.referrals.queries import answer_for_requester, relayed_texts

    sent = Referral.objects.filter(pk=referral).first()
    arrived = Arrival.objects.filter(pk=referral).first()
    private = requester_key_pair(codename).private if codename else None
    return {
        "referral": sent.status if sent else "",
        "attempts": sent.attempts if sent else 0,
        "last_error": sent.last_error if sent else "",
        "arrival": arrived.status if arrived else "",
        "note": answer_for_requester(sent, private) if sent else "",
        "relayed": relayed_texts(sent, private) if sent else [],
        "events": [
            {"action": event.action, "data": event.data}
            for event in Event.objects.filter(action__startswith="referral.").order_by("id")
        ],
    }


# Running installs.


def free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


@dataclass
class Install:
    """One install: a data directory (its own SQLite file) and, once started, its server."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HAVEN_", "DJANGO_", "PYTEST"))
        }
        env.update(
            HAVEN_ENV="development",
            HAVEN_DATA_DIR=str(self.directory),
            HAVEN_ADDRESS=self.address,
            HAVEN_MEMBER_KDF="min",
            PYTHONPATH=str(ROOT),
        )
        return env

    def run(self, *arguments: str) -> str:
        """Run `python ARGUMENTS` against this install; fail with its error output."""
        done = subprocess.run(  # noqa: S603  # fixed arguments, no shell
            [sys.executable, *arguments],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode()[-3000:])
        return done.stdout.decode()

    def migrate(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run("-m", "haven.cli", "migrate", "--verbosity", "0")

    def act(self, action: str, **arguments: object) -> dict[str, Any]:
        out = self.run("-m", "haven.referrals.installs", action, json.dumps(arguments))
        return dict(json.loads(out.strip().splitlines()[-1]))

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  # fixed arguments, no shell
            [
                sys.executable,
                "-m",
                "haven.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.address}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server on {self.address} did not start")

    def add(self, handle: str, name: str, other: "Install", identity: dict[str, Any]) -> int:
        """A coordinator here adds the other install's organisation by address and keys."""
        added = self.act(
            "add_partner",
            handle=handle,
            name=name,
            address=other.address,
            signing=identity["signing"],
            box=identity["box"],
            fingerprint=identity["fingerprint"],
        )
        return int(added["partner"])

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    import django

    django.setup()
    action, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = globals()[action](**arguments)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
