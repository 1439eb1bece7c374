"""A real SMTP server on 127.0.0.1 (aiosmtpd's Controller, in a thread of the test process) that
keeps every message it accepts; workers forked by RQ send to it over TCP like to any mail server."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keeper:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        message = message_from_bytes(envelope.content)
        with self.server.cond:
            if self.server.refuse:
                return "451 Try again later"
            self.server.messages.append((list(envelope.rcpt_tos), message))
            self.server.cond.notify_all()
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse = False  # answer 451 to every message (a server that is down for a while)
        self.cond = threading.Condition()
        self.port = free_port()
        self.controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[list[str], Message]]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.cond.wait(0.05)
            return list(self.messages)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
