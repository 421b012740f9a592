"""The package a referral carries to the partner: the fields chosen one by one, the thread so
far and the documents, sealed to the partner's key when proposed and opened by it on arrival."""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from haven.accounts.unlock import Keyring
from haven.cases.access import RevealRefused, case_key
from haven.cases.models import SEALED_FIELDS, Case, CaseSeal
from haven.crypto import CryptoError
from haven.crypto.sealing import FieldSealer
from haven.messaging.models import Message
from haven.messaging.services import photo_for_staff, thread_for_staff
from haven.referrals import envelopes

PACKAGE_VERSION = 1


@dataclass(frozen=True)
class Package:
    """What goes to the partner: chosen fields, the thread so far, documents."""

    referral_id: str
    coarse: dict[str, object]
    fields: dict[str, str]
    requester_public_key: bytes
    reason: str
    emergency: str = ""
    thread: list[dict[str, object]] = field(default_factory=list)
    documents: list[bytes] = field(default_factory=list, repr=False)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "v": PACKAGE_VERSION,
                "referral": self.referral_id,
                "coarse": self.coarse,
                "fields": self.fields,
                "requester": envelopes.b64(self.requester_public_key),
                "reason": self.reason,
                "emergency": self.emergency,
                "thread": self.thread,
                "documents": [envelopes.b64(document) for document in self.documents],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "Package":
        loaded = json.loads(data.decode("utf-8"))
        if loaded.get("v") != PACKAGE_VERSION:
            raise ValueError("a package of another version")
        return cls(
            referral_id=str(loaded["referral"]),
            coarse=dict(loaded["coarse"]),
            fields={str(k): str(v) for k, v in loaded["fields"].items() if k in SEALED_FIELDS},
            requester_public_key=envelopes.unb64(loaded["requester"]),
            reason=str(loaded["reason"]),
            emergency=str(loaded.get("emergency", "")),
            thread=list(loaded.get("thread", [])),
            documents=[envelopes.unb64(item) for item in loaded.get("documents", [])],
        )


def _coarse(case: Case) -> dict[str, object]:
    return {
        "country": case.country,
        "place": case.place,
        "needs": case.needs,
        "group_size": case.group_size,
        "with_children": case.with_children,
        "women_only": case.women_only,
        "with_pets": case.with_pets,
        "step_free": case.step_free,
        "languages": list(case.languages),
        "urgency": case.urgency,
        "date_from": case.date_from.isoformat(),
        "date_until": case.date_until.isoformat() if case.date_until else None,
    }


def package_for(
    *,
    keyring: Keyring,
    case: Case,
    referral_id: str,
    fields: list[str],
    with_thread: bool,
    documents: list[bytes],
    reason: str,
    emergency: str,
) -> Package:
    """The package for a referral, with the chosen fields and the thread opened with the case's
    key; refused if they do not open."""
    data_key = case_key(keyring, case)
    seal = CaseSeal.objects.filter(case=case).first()
    sealer = FieldSealer(data_key, str(case.pk))
    opened: dict[str, str] = {}
    try:
        for name in fields:
            value = getattr(seal, name) if seal is not None else None
            if value:
                opened[name] = sealer.open(name, bytes(value))
        thread: list[dict[str, object]] = []
        if with_thread:
            for message in thread_for_staff(keyring=keyring, case=case):
                thread.append(
                    {
                        "from_requester": message.message.from_requester,
                        "hour": message.message.created_hour.isoformat(),
                        "text": message.text,
                    }
                )
    except CryptoError:
        raise RevealRefused(
            _("This case's sealed data does not open: it may have been altered. Tell an admin.")
        ) from None
    return Package(
        referral_id=referral_id,
        coarse=_coarse(case),
        fields=opened,
        requester_public_key=bytes(case.requester_public_key),
        reason=reason,
        emergency=emergency,
        thread=thread,
        documents=documents,
    )


def photos_of(keyring: Keyring, case: Case) -> list[bytes]:
    """The photos the requester sent in the case's thread, in the thread's order."""
    return [
        photo_for_staff(keyring=keyring, message=message)
        for message in Message.objects.filter(case=case, has_photo=True, photo__isnull=False)
        .select_related("case")
        .order_by("number")
    ]
