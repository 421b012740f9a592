"""Signed deliveries between organisations: what travels, how it is signed, and how it is read.

A delivery is a JSON body signed (Ed25519, detached, over the exact bytes) by the sending
organisation's signing key; the signature travels in the `Haven-Signature` header. A referral
carries its package sealed to the receiver's public key; an answer carries a note sealed to the
requester's. Neither side can read what was sealed to the other.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

from haven.crypto.signing import sign

VERSION = 1
KINDS = ("referral", "answer", "relay", "reply")
# A relay carries at most this many messages.
MOST_RELAYED = 50
ANSWERS = ("accepted", "declined")
SIGNATURE_HEADER = "Haven-Signature"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise Malformed("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("bad base64") from None


class Malformed(ValueError):
    """The body is not a delivery this version reads."""


@dataclass(frozen=True)
class Delivery:
    """A parsed (not yet verified) delivery."""

    kind: str
    referral_id: UUID
    signing_public: bytes
    box_public: bytes
    address: str
    organisation_slug: str
    to_fingerprint: str
    package: bytes
    emergency: bool
    answer: str
    note: bytes
    # A referral to another install names the key the requester's answers will be signed with,
    # an accepted answer the key its relays are signed with; an accepted answer and a relay carry
    # the receiver's thread key sealed to the requester; a relay and a reply carry messages sealed
    # under that thread key.
    relay_public: bytes = b""
    thread: bytes = b""
    messages: tuple["Relayed", ...] = ()


@dataclass(frozen=True)
class Relayed:
    """One message as it travels: still sealed under the thread key."""

    id: UUID
    number: int
    hour: str
    body: bytes


def build(
    *,
    kind: str,
    referral_id: UUID,
    signing_public: bytes,
    signing_seed: bytes,
    box_public: bytes,
    organisation_slug: str,
    to_fingerprint: str,
    package: bytes = b"",
    emergency: bool = False,
    answer: str = "",
    note: bytes = b"",
    relay_public: bytes = b"",
    thread: bytes = b"",
    messages: tuple[Relayed, ...] = (),
) -> tuple[bytes, bytes]:
    """The body and its signature."""
    body = json.dumps(
        {
            "v": VERSION,
            "kind": kind,
            "id": str(referral_id),
            "from": {
                "signing": b64(signing_public),
                "box": b64(box_public),
                "address": settings.HAVEN_ADDRESS,
                "organisation": organisation_slug,
            },
            "to": to_fingerprint,
            "package": b64(package),
            "emergency": emergency,
            "answer": answer,
            "note": b64(note),
            "relay": b64(relay_public),
            "thread": b64(thread),
            "messages": [
                {"id": str(m.id), "number": m.number, "hour": m.hour, "body": b64(m.body)}
                for m in messages
            ],
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode("ascii")
    return body, sign(signing_seed, body)


def parse(body: bytes) -> Delivery:
    """Read a body; raise Malformed naming nothing of its content."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Malformed("not JSON") from None
    if not isinstance(data, dict) or data.get("v") != VERSION or data.get("kind") not in KINDS:
        raise Malformed("not a delivery of this version")
    sender = data.get("from")
    if not isinstance(sender, dict):
        raise Malformed("no sender")
    try:
        referral_id = UUID(str(data.get("id")))
    except ValueError:
        raise Malformed("bad id") from None
    texts = [sender.get("address"), sender.get("organisation"), data.get("to"), data.get("answer")]
    if not all(isinstance(text, str) and len(text) <= 200 for text in texts):
        raise Malformed("bad text field")
    if not isinstance(data.get("emergency"), bool):
        raise Malformed("bad emergency flag")
    delivery = Delivery(
        kind=data["kind"],
        referral_id=referral_id,
        signing_public=unb64(sender.get("signing")),
        box_public=unb64(sender.get("box")),
        address=sender["address"],
        organisation_slug=sender["organisation"],
        to_fingerprint=data["to"],
        package=unb64(data.get("package")),
        emergency=data["emergency"],
        answer=data["answer"],
        note=unb64(data.get("note")),
        relay_public=unb64(data.get("relay", "")),
        thread=unb64(data.get("thread", "")),
        messages=_messages(data.get("messages", [])),
    )
    if len(delivery.signing_public) != 32 or len(delivery.box_public) != 32:
        raise Malformed("bad key length")
    if delivery.kind == "referral" and not delivery.package:
        raise Malformed("a referral without a package")
    if delivery.kind == "answer" and delivery.answer not in ANSWERS:
        raise Malformed("an answer that is neither accepted nor declined")
    if delivery.relay_public and len(delivery.relay_public) != 32:
        raise Malformed("bad relay key length")
    if delivery.kind == "relay" and not (delivery.thread and delivery.messages):
        raise Malformed("a relay without its thread key or messages")
    if delivery.kind == "reply" and not delivery.messages:
        raise Malformed("a reply without messages")
    return delivery


def _messages(items: object) -> tuple[Relayed, ...]:
    if not isinstance(items, list) or len(items) > MOST_RELAYED:
        raise Malformed("bad messages")
    relayed = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("number"), int):
            raise Malformed("bad message")
        hour = item.get("hour")
        if not isinstance(hour, str) or len(hour) > 40:
            raise Malformed("bad message hour")
        try:
            message_id = UUID(str(item.get("id")))
        except ValueError:
            raise Malformed("bad message id") from None
        relayed.append(Relayed(message_id, item["number"], hour, unb64(item.get("body"))))
    return tuple(relayed)


def signature_from_header(value: str | None) -> bytes:
    if not value:
        raise Malformed("no signature")
    return unb64(value)
