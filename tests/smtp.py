"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts."""

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps what it is sent: .messages (parsed) and .envelopes."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.envelopes = []
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: senders overlap
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages once there are `count` of them, or what came within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)


class SmtpServer:
    """start() and stop() an SMTP server on 127.0.0.1:port; .inbox holds what it received."""

    def __init__(self, port: int, delay: float = 0.0):
        self.inbox = Inbox(delay)
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
