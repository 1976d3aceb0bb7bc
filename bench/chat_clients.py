"""The client harness of bench/chat_bench.py: Socket.IO listeners and HTTP senders.

Listeners run in worker processes (`ClientPool`), each an asyncio loop holding many
Socket.IO connections; they record, for every chat-message-posted event of the watched chat,
the message id and the time it arrived (time.monotonic(): CLOCK_MONOTONIC, one clock for all
processes of the machine, so senders in the parent and listeners in workers compare times).

Two listener implementations behind one interface:

- `LeanClient` (the default): a WebSocket-only Engine.IO 4 / Socket.IO 5 client on an asyncio
  Protocol — the upgrade request with the session cookie, the open packet, the namespace
  connect with an auth payload, answers to pings, and event packets; about 10–15 µs of CPU per
  event received. It speaks the same protocol as socket.io-client with
  `transports: ["websocket"]`.
- `SioClient`: python-socketio's AsyncClient (needs aiohttp, which is not a dependency of Wave
  or its tests); about 5–8 times the CPU per event, so on a 2-core machine it, not the server,
  limits the fan-out rates measured. Kept for cross-checking: `--harness socketio`.

Senders (`HttpSender`) post the chat's compose form as chat.js does: multipart/form-data with
csrf_token, client_id and body, the X-CSRFToken and HX-Request headers, on keep-alive HTTP/1.1
connections (raw asyncio streams, cheaper than an HTTP library).
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import re
import resource
import secrets
import time
from array import array

EVENT = "chat-message-posted"
BOUNDARY = "----wavechatbench4Hk2LwQ9"


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------- listeners


class Recorder:
    """Deliveries of the watched chat's events, as two flat arrays (cheap to send back)."""

    def __init__(self, thread_id: int):
        self.thread_id = thread_id
        self.ids = array("q")
        self.times = array("d")
        self.other = 0  # events of other chats, or other events

    def event(self, name: str, data) -> None:
        if name == EVENT and isinstance(data, dict) and data.get("thread_id") == self.thread_id:
            self.ids.append(int(data["message_id"]))
            self.times.append(time.monotonic())
        else:
            self.other += 1

    def reset(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.ids = array("q")
        self.times = array("d")
        self.other = 0


class LeanClient(asyncio.Protocol):
    """One Socket.IO connection over a WebSocket, nothing else (no polling, no reconnect)."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.buffer = bytearray()
        self.handshake_done = False
        self.connected = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport = None
        self.auth = None

    @classmethod
    async def open(cls, port: int, cookie: str, auth: dict | None, recorder: Recorder):
        loop = asyncio.get_running_loop()
        transport, client = await loop.create_connection(lambda: cls(recorder), "127.0.0.1", port)
        client.auth = auth
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        transport.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        try:
            await asyncio.wait_for(asyncio.shield(client.connected), 30)
        except BaseException:
            transport.close()
            raise
        return client

    # -- asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.connected.done():
            self.connected.set_exception(ConnectionError(f"closed before connecting: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    def data_received(self, data: bytes):
        buf = self.buffer
        buf += data
        if not self.handshake_done:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            del buf[: end + 4]
            if b" 101 " not in status:
                self.connected.set_exception(ConnectionError(status.decode("latin-1")))
                self.transport.close()
                return
            self.handshake_done = True
        while len(buf) >= 2:
            opcode = buf[0] & 0x0F
            length = buf[1] & 0x7F  # frames from a server are never masked
            head = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length = int.from_bytes(buf[2:4], "big")
                head = 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length = int.from_bytes(buf[2:10], "big")
                head = 10
            if len(buf) < head + length:
                return
            payload = bytes(buf[head : head + length])
            del buf[: head + length]
            if opcode == 1:
                self.engineio(payload.decode())
            elif opcode == 9:
                self.send_frame(payload, 10)  # pong
            elif opcode == 8:
                self.transport.close()
                return

    # -- Engine.IO / Socket.IO
    def engineio(self, text: str):
        kind = text[:1]
        if kind == "4":  # message: a Socket.IO packet
            packet = text[1:]
            if packet[:1] == "2":  # event on the default namespace: 2[name, data]
                name, *args = json.loads(packet[1:])
                self.recorder.event(name, args[0] if args else None)
            elif packet[:1] == "0":  # namespace connected
                if not self.connected.done():
                    self.connected.set_result(True)
            elif packet[:1] == "4":  # connect refused
                if not self.connected.done():
                    self.connected.set_exception(ConnectionRefusedError(packet[1:]))
                self.transport.close()
        elif kind == "2":  # ping → pong
            self.send_text("3")
        elif kind == "0":  # open: connect to the default namespace
            self.send_text("40" + (json.dumps(self.auth) if self.auth else ""))
        elif kind == "1":  # close
            self.transport.close()

    def send_text(self, text: str):
        self.send_frame(text.encode(), 1)

    def send_frame(self, payload: bytes, opcode: int):
        mask = secrets.token_bytes(4)
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    async def close(self):
        if self.transport is not None and not self.transport.is_closing():
            self.send_text("41")  # leave the namespace
            self.send_frame(b"\x03\xe8", 8)  # close, 1000
            self.transport.close()
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        except TimeoutError:
            pass


class SioClient:
    """python-socketio's AsyncClient behind the same interface (needs aiohttp)."""

    def __init__(self, client):
        self.client = client

    @classmethod
    async def open(cls, port: int, cookie: str, auth: dict | None, recorder: Recorder):
        import socketio  # python-socketio[asyncio_client]: needs aiohttp

        client = socketio.AsyncClient(reconnection=False)

        @client.on("*")
        def anything(name, data=None):
            recorder.event(name, data)

        await client.connect(
            f"http://127.0.0.1:{port}",
            transports=["websocket"],
            headers={"Cookie": cookie},
            auth=auth,
            wait_timeout=30,
        )
        return cls(client)

    async def close(self):
        await self.client.disconnect()


HARNESSES = {"lean": LeanClient, "socketio": SioClient}


async def _worker_main(conn, harness: str):
    """One listener process: obeys the parent's commands, sent over a Pipe."""
    loop = asyncio.get_running_loop()
    kind = HARNESSES[harness]
    recorder = Recorder(0)
    clients: list = []
    cpu0 = cpu_seconds()
    wall0 = time.monotonic()
    while True:
        command, arg = await loop.run_in_executor(None, conn.recv)
        if command == "connect":  # arg: (thread_id, [(port, cookie, auth), ...])
            thread_id, specs = arg
            recorder.reset(thread_id)
            room = asyncio.Semaphore(16)
            failures = []

            async def one(spec, room=room, failures=failures):
                async with room:
                    try:
                        clients.append(await kind.open(*spec, recorder))
                    except Exception as exc:  # noqa: BLE001 (reported to the parent)
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])

            await asyncio.gather(*(one(s) for s in specs))
            conn.send((len(clients), failures))
        elif command == "reset":  # start of a measurement
            recorder.reset(arg)
            cpu0, wall0 = cpu_seconds(), time.monotonic()
            conn.send(True)
        elif command == "count":
            conn.send(len(recorder.ids))
        elif command == "collect":
            conn.send(
                {
                    "ids": recorder.ids,
                    "times": recorder.times,
                    "other": recorder.other,
                    "cpu": cpu_seconds() - cpu0,
                    "wall": time.monotonic() - wall0,
                    "pid": os.getpid(),
                }
            )
        elif command == "disconnect":
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
            clients.clear()
            conn.send(True)
        elif command == "quit":
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
            conn.send(True)
            return


def _worker(conn, harness: str):
    asyncio.run(_worker_main(conn, harness))


class ClientPool:
    """Listener processes; connections are dealt to them round robin."""

    def __init__(self, processes: int, harness: str = "lean"):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, harness), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _all(self, command, args):
        for pipe, arg in zip(self.pipes, args, strict=True):
            pipe.send((command, arg))
        return [pipe.recv() for pipe in self.pipes]

    def connect(self, thread_id: int, specs: list[tuple]) -> tuple[int, list[str]]:
        shares = [specs[i :: len(self.pipes)] for i in range(len(self.pipes))]
        answers = self._all("connect", [(thread_id, s) for s in shares])
        return sum(n for n, _ in answers), [f for _, fs in answers for f in fs]

    def reset(self, thread_id: int):
        self._all("reset", [thread_id] * len(self.pipes))

    def count(self) -> int:
        return sum(self._all("count", [None] * len(self.pipes)))

    def collect(self) -> list[dict]:
        return self._all("collect", [None] * len(self.pipes))

    def disconnect(self):
        self._all("disconnect", [None] * len(self.pipes))

    def close(self):
        try:
            self._all("quit", [None] * len(self.pipes))
        except (OSError, EOFError):
            pass
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


# ---------------------------------------------------------------- senders

_MESSAGE_ID = re.compile(rb'id="message-(\d+)"')


def compose_body(csrf: str, client_id: str, text: str) -> bytes:
    """The form chat.js posts (FormData: multipart)."""

    def part(name, value):
        return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'

    return (
        part("csrf_token", csrf) + part("client_id", client_id) + part("body", text)
    ).encode() + f"--{BOUNDARY}--\r\n".encode()


def compose_request(path: str, cookie: str, csrf: str, client_id: str, text: str) -> bytes:
    body = compose_body(csrf, client_id, text)
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"X-CSRFToken: {csrf}\r\nHX-Request: true\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; answers read by Content-Length."""

    IDLE_SAFE = 1.0  # s; gunicorn closes a keep-alive connection idle for 2 s

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.used = 0
        self.idle_since = time.monotonic()

    @classmethod
    async def open(cls, port: int):
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def exchange(self, raw: bytes) -> tuple[int, dict, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers.setdefault(name.strip().lower(), value.strip())
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        self.used += 1
        self.idle_since = time.monotonic()
        return status, headers, body

    def close(self):
        self.writer.close()


class HttpSender:
    """Posts messages to one server, on a pool of keep-alive connections; returns, per
    message, (message id, send time, answer time) — send time as the caller gives it."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[HttpConnection] = []
        self.opened = 0

    async def _connection(self) -> HttpConnection:
        while self.idle:
            conn = self.idle.pop()
            if time.monotonic() - conn.idle_since < HttpConnection.IDLE_SAFE:
                return conn
            conn.close()  # the server may be closing it just now
        self.opened += 1
        return await HttpConnection.open(self.port)

    async def post(self, path: str, cookie: str, csrf: str, client_id: str, text: str):
        """(status, message id or None); a reused connection the server closed is replaced
        once (the client id makes the resend safe, as in chat.js)."""
        raw = compose_request(path, cookie, csrf, client_id, text)
        conn = await self._connection()
        try:
            status, headers, body = await conn.exchange(raw)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            conn.close()
            if not conn.used and not isinstance(exc, ConnectionError):
                raise
            self.opened += 1
            conn = await HttpConnection.open(self.port)
            status, headers, body = await conn.exchange(raw)
        if headers.get("connection", "").lower() == "close":
            conn.close()
        else:
            self.idle.append(conn)
        found = _MESSAGE_ID.search(body)
        return status, int(found.group(1)) if found else None

    def close(self):
        for conn in self.idle:
            conn.close()
        self.idle.clear()
