"""A real SMTP server on loopback (aiosmtpd) that keeps every byte it receives."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Sink:
    """What the SMTP server received, byte for byte."""

    mails: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(bytes(envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    sink: Sink
    port: int
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def read(self) -> list[EmailMessage[str, str]]:
        return [message_from_bytes(raw, policy=default_policy) for raw in self.sink.mails]


def body_of(mail: EmailMessage[str, str]) -> str:
    """A message's plain-text body, decoded."""
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
