"""A real SMTP server for the e-mail tests: the ``smtp_server`` fixture (aiosmtpd).

Loaded as a pytest plugin by ``tests/conftest.py``. Django's SMTP backend points at
it for the test; a worker started with ``EMAIL_URL=smtp_server.url`` sends to it too.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SMTPServer:
    """Messages received by a real aiosmtpd server, as ``email.message`` objects.

    A test can ``stop()`` it and ``start()`` it again on the same port, make it
    answer the next MAILs with ``refuse_mail`` replies and the next RCPTs with
    ``refuse_rcpt`` replies such as "451 4.3.0 Try later", hang up instead of
    answering the next ``hang_up_at_rcpt`` RCPTs (the connection
    dropped mid-conversation), and run ``on_data(message)`` before a message is
    accepted. It offers PIPELINING, as common mail servers do, unless ``pipelining``
    is turned off. ``url`` is the ``EMAIL_URL`` for a worker.
    """

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    refuse_mail: list[str] = field(default_factory=list)
    hang_up_at_rcpt: int = 0
    on_data: Callable[[email.message.EmailMessage], object] | None = None
    pipelining: bool = True
    controller: object = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_mail:
            return self.refuse_mail.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hang_up_at_rcpt:
            self.hang_up_at_rcpt -= 1
            server.transport.abort()
            return "421 4.4.2 Closing the connection"  # never reaches the client
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        if self.on_data is not None:
            self.on_data(message)
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, count: int = 1, timeout: float = 10) -> email.message.EmailMessage:
        """The newest message to ``to`` once ``count`` of them arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                received = self.to(to)
                if len(received) >= count:
                    return received[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{count} message(s) to {to} expected, got {len(received)}: "
                        f"{[m['Subject'] for m in self.messages]}"
                    )
                self._arrived.wait(remaining)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def text(message: email.message.EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @classmethod
    def link(cls, message: email.message.EmailMessage, contains: str) -> str:
        """The first link in the plain-text body whose address contains ``contains``."""
        for url in re.findall(r"https?://\S+", cls.text(message)):
            if contains in url:
                return url
        raise AssertionError(f"No link containing {contains!r} in:\n{cls.text(message)}")

    @classmethod
    def path(cls, message: email.message.EmailMessage, contains: str) -> str:
        """The path of that link, for Django's test client."""
        return urlsplit(cls.link(message, contains)).path


@pytest.fixture
def smtp_server(settings):
    # aiosmtpd logs every SMTP command at INFO; keep failure reports readable.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    server = SMTPServer()
    for _attempt in range(5):  # a free port can be taken between probe and bind
        server.port = free_port()
        try:
            server.start()
            break
        except (OSError, RuntimeError):
            server.controller = None
    assert server.controller is not None, "could not start the SMTP server"
    settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
