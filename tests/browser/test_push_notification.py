"""The service worker's Web Push handlers in Debian's Chromium, without a push service.

A push goes in over CDP (ServiceWorker.deliverPushMessage) carrying the payload the sender
itself builds (wave.notify.push._payload), so the worker and the sender cannot drift apart
unnoticed; what the worker showed is read back with registration.getNotifications().

A click on the notification is the desktop's to make, and CDP has no command for it. On Linux
Chromium shows notifications through org.freedesktop.Notifications on the session bus and
dispatches notificationclick when that service signals ActionInvoked(id, "default"). So every
test here gives Chromium a private D-Bus session bus with a stand-in notification server (just
enough of the wire protocol, below) and clicks through it: the event the worker gets is
Chromium's own, trusted, with the user activation a real click carries. The private bus also
keeps these notifications off a developer's own desktop.

Two things Chromium needs, learnt the hard way: a persistent profile (a click is routed back
by profile name, which Playwright's incognito contexts do not have), and getNotifications()
read only once the desktop has shown the notification (before that Chromium drops it).
"""

import itertools
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, TIMEOUT_MS, sign_in
from tests.builders import report
from wave.extensions import db
from wave.notify import push
from wave.notify.models import Notification
from wave.requests import lifecycle

pytestmark = pytest.mark.browser

SW_STATE = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return {active: !!registration.active, controlled: !!navigator.serviceWorker.controller,
          permission: Notification.permission};
}"""

SHOWN = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data,
                            icon: n.icon, renotify: n.renotify}));
}"""


def assigned_to_olga(world):
    """(request, payload): the push the sender builds when the desk assigns a tenant's
    request to olga."""
    req = report(world)
    lifecycle.assign(req, world.dina, world.olga)
    row = db.session.scalars(
        select(Notification).where(
            Notification.user_id == world.olga.id, Notification.kind == "assigned"
        )
    ).one()
    payload = push._payload(row, world.olga)
    # What the sender puts on the wire for this request: a drift in either shows up here.
    assert payload == {
        "title": "Wave",
        "body": f"{req.number} is yours now: Trash removal · 101 Office",
        "url": f"/requests/{req.id}",
        "tag": f"request-{req.id}",
    }
    return req, payload


def staff_inbox(context, base_url):
    """olga's inbox with notifications allowed, controlled by the active service worker
    (WindowClient.navigate() works only on a page the worker controls)."""
    context.grant_permissions(["notifications"], origin=base_url)
    page = context.new_page()
    sign_in(page, base_url, "olga")
    state = page.evaluate(SW_STATE)
    if not state["controlled"]:
        # The first visit installed the worker; clients.claim() or a reload hands it the page.
        page.reload()
        state = page.evaluate(SW_STATE)
    assert state == {"active": True, "controlled": True, "permission": "granted"}, state
    return page


class PushChannel:
    """Pushes into the page's service worker registration over CDP, as a push service would."""

    def __init__(self, context, page, base_url):
        self.base_url = base_url
        self.cdp = context.new_cdp_session(page)
        registrations = []
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        self.cdp.send("ServiceWorker.enable")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            ours = [
                r for r in registrations if r["scopeURL"] == base_url + "/" and not r["isDeleted"]
            ]
            if ours:
                self.registration_id = ours[-1]["registrationId"]
                return
            page.wait_for_timeout(50)
        raise AssertionError(f"no service worker registration for {base_url}: {registrations}")

    def send(self, data: str) -> None:
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self.base_url, "registrationId": self.registration_id, "data": data},
        )


# ---------------------------------------------------------------- the desktop
_ALIGN = {"y": 1, "b": 4, "n": 2, "q": 2, "i": 4, "u": 4, "x": 8, "t": 8, "d": 8, "h": 4}
_ALIGN.update({"s": 4, "o": 4, "g": 1, "a": 4, "(": 8, "{": 8, "v": 1})
_FIXED = {"y": "B", "b": "I", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q", "t": "Q"}
_FIXED.update({"d": "d", "h": "I"})
METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4


def _types(signature: str) -> list[str]:
    """'susas' → ['s', 'u', 's', 'as']: a signature split into its complete types."""
    types, i = [], 0
    while i < len(signature):
        end = _type_end(signature, i)
        types.append(signature[i:end])
        i = end
    return types


def _type_end(signature: str, i: int) -> int:
    if signature[i] == "a":
        return _type_end(signature, i + 1)
    if signature[i] in "({":
        close = ")" if signature[i] == "(" else "}"
        i += 1
        while signature[i] != close:
            i = _type_end(signature, i)
    return i + 1


class _Writer:
    """D-Bus marshalling, little-endian; offsets count from the message's first byte."""

    def __init__(self):
        self.buf = bytearray()

    def pad(self, n: int) -> None:
        self.buf += b"\0" * (-len(self.buf) % n)

    def write(self, t: str, value) -> None:
        code = t[0]
        self.pad(_ALIGN[code])
        if code in _FIXED:
            self.buf += struct.pack("<" + _FIXED[code], value)
        elif code in "so":
            raw = value.encode()
            self.buf += struct.pack("<I", len(raw)) + raw + b"\0"
        elif code == "g":
            raw = value.encode()
            self.buf += bytes([len(raw)]) + raw + b"\0"
        elif code == "v":
            signature, inner = value
            self.write("g", signature)
            self.write(signature, inner)
        elif code == "a":
            at = len(self.buf)
            self.buf += b"\0\0\0\0"
            self.pad(_ALIGN[t[1]])
            start = len(self.buf)
            for element in value.items() if t[1] == "{" else value:
                self.write(t[1:], element)
            struct.pack_into("<I", self.buf, at, len(self.buf) - start)
        else:
            for inner_type, inner in zip(_types(t[1:-1]), value, strict=True):
                self.write(inner_type, inner)


class _Reader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def read(self, t: str):
        code = t[0]
        self.pos += -self.pos % _ALIGN[code]
        if code in _FIXED:
            fmt = "<" + _FIXED[code]
            (value,) = struct.unpack_from(fmt, self.buf, self.pos)
            self.pos += struct.calcsize(fmt)
            return value
        if code in "sog":
            size = (
                self.buf[self.pos]
                if code == "g"
                else struct.unpack_from("<I", self.buf, self.pos)[0]
            )
            start = self.pos + (1 if code == "g" else 4)
            self.pos = start + size + 1
            return self.buf[start : start + size].decode()
        if code == "v":
            return self.read(self.read("g"))
        if code == "a":
            size = self.read("u")
            self.pos += -self.pos % _ALIGN[t[1]]
            end = self.pos + size
            if t == "ay":
                self.pos = end
                return self.buf[end - size : end]
            items = []
            while self.pos < end:
                items.append(self.read(t[1:]))
            return dict(items) if t[1] == "{" else items
        return tuple(self.read(inner) for inner in _types(t[1:-1]))


def _message(kind: int, serial: int, fields: dict, signature: str = "", args=()) -> bytes:
    body = _Writer()
    for t, value in zip(_types(signature), args, strict=True):
        body.write(t, value)
    if signature:
        fields = {**fields, 8: ("g", signature)}
    head = _Writer()
    head.buf += struct.pack("<cBBBII", b"l", kind, 0, 1, len(body.buf), serial)
    head.write("a(yv)", sorted(fields.items()))
    head.pad(8)
    return bytes(head.buf + body.buf)


class FakeDesktop:
    """org.freedesktop.Notifications on a session bus: keeps what Chromium shows and clicks it.
    Just enough of the D-Bus wire protocol to own the name, answer the spec's four methods and
    emit its signals."""

    NAME = "org.freedesktop.Notifications"
    PATH = "/org/freedesktop/Notifications"

    def __init__(self, bus_path: str):
        self.address = "unix:path=" + bus_path
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(TIMEOUT_MS / 1000)  # while setting up: a refusal fails, not hangs
        self.sock.connect(bus_path)
        uid = str(os.getuid()).encode().hex()
        self.sock.sendall(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
        line = b""
        while not line.endswith(b"\r\n"):
            line += self.sock.recv(1)
        assert line.startswith(b"OK "), line
        self.sock.sendall(b"BEGIN\r\n")
        self.serials = itertools.count(1)
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.shown: dict[int, dict] = {}
        self.closed: list[int] = []
        self.ids = itertools.count(1)
        bus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
        self._call(*bus, "Hello")
        (owner,) = self._call(*bus, "RequestName", "su", (self.NAME, 4))  # DO_NOT_QUEUE
        assert owner == 1, "another notification server owns the name"
        self.sock.settimeout(None)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def click(self, notification_id: int) -> None:
        """What the desktop sends when the person clicks the notification's body."""
        self._signal("ActionInvoked", "us", (notification_id, "default"))

    def wait_for(self, condition, what: str):
        with self.changed:
            if not self.changed.wait_for(condition, timeout=TIMEOUT_MS / 1000):
                raise AssertionError(f"the desktop never saw {what}: {self.shown} {self.closed}")

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)

    # -- wire
    def _send(self, kind: int, fields: dict, signature: str = "", args=()) -> int:
        with self.lock:
            serial = next(self.serials)
            self.sock.sendall(_message(kind, serial, fields, signature, args))
        return serial

    def _receive(self):
        fixed = self._exactly(16)
        assert fixed[:1] == b"l", "only little-endian peers"
        body_size, fields_size = struct.unpack_from("<I", fixed, 4)[0], fixed[12:16]
        header_size = 16 + struct.unpack("<I", fields_size)[0]
        header_size += -header_size % 8
        message = fixed + self._exactly(header_size - 16 + body_size)
        kind = message[1]
        fields = dict(_Reader(message, 12).read("a(yv)"))
        reader = _Reader(message, header_size)
        args = [reader.read(t) for t in _types(fields.get(8, ""))]
        return kind, struct.unpack_from("<I", message, 8)[0], fields, args

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("bus closed")
            data += chunk
        return data

    def _call(self, destination, path, interface, member, signature="", args=()):
        fields = {1: ("o", path), 2: ("s", interface), 3: ("s", member), 6: ("s", destination)}
        serial = self._send(METHOD_CALL, fields, signature, args)
        while True:  # before the serving thread starts: skip the bus's signals to us
            kind, _, reply_fields, reply = self._receive()
            if kind in (METHOD_RETURN, ERROR) and reply_fields.get(5) == serial:
                assert kind == METHOD_RETURN, (member, reply)
                return reply

    def _signal(self, member: str, signature: str, args) -> None:
        fields = {1: ("o", self.PATH), 2: ("s", self.NAME), 3: ("s", member)}
        self._send(SIGNAL, fields, signature, args)

    def _reply(self, call_serial: int, caller: str, signature: str = "", args=()) -> None:
        fields = {5: ("u", call_serial), 6: ("s", caller)}
        self._send(METHOD_RETURN, fields, signature, args)

    def _serve(self) -> None:
        while True:
            try:
                kind, serial, fields, args = self._receive()
            except (OSError, ConnectionError):
                return
            if kind == METHOD_CALL:
                self._answer(serial, fields.get(7), fields.get(3), args)

    def _answer(self, serial: int, caller: str, member: str, args) -> None:
        if member == "GetCapabilities":
            self._reply(serial, caller, "as", (["body", "actions"],))
        elif member == "GetServerInformation":
            self._reply(serial, caller, "ssss", ("wave-tests", "wave", "1", "1.2"))
        elif member == "Notify":
            _app, replaces, _icon, summary, body, actions, _hints, _timeout = args
            notification_id = replaces or next(self.ids)
            with self.changed:
                self.shown[notification_id] = {
                    "summary": summary,
                    "body": body,
                    "actions": actions,
                }
                self.changed.notify_all()
            self._reply(serial, caller, "u", (notification_id,))
        elif member == "CloseNotification":
            (notification_id,) = args
            with self.changed:
                self.shown.pop(notification_id, None)
                self.closed.append(notification_id)
                self.changed.notify_all()
            self._reply(serial, caller)
            self._signal("NotificationClosed", "uu", (notification_id, 3))  # closed by a call
        else:
            fields = {
                4: ("s", "org.freedesktop.DBus.Error.UnknownMethod"),
                5: ("u", serial),
                6: ("s", caller),
            }
            self._send(ERROR, fields, "s", (f"no {member} here",))


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={path}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def desktop(tmp_path):
    """A private session bus (no service activation) with a FakeDesktop on it."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-daemon is missing (Debian's dbus-daemon package)", pytrace=False)
        pytest.skip("dbus-daemon is not installed (apt-get install dbus-daemon)")
    bus_path = str(tmp_path / "bus")
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(path=bus_path))
    with (tmp_path / "bus.log").open("w") as log:
        proc = subprocess.Popen(
            [daemon, "--config-file", str(config), "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        address = proc.stdout.readline().strip()  # printed once it listens
        assert address.startswith(f"unix:path={bus_path},"), address
        fake = FakeDesktop(bus_path)
        yield fake
        fake.close()
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def desktop_phone(playwright_driver, desktop, tmp_path):
    """A phone-sized Chromium whose session bus is the fake desktop's. A persistent profile:
    Chromium routes a click back by profile name, which Playwright's incognito contexts lack."""
    context = playwright_driver.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=LAUNCH_ARGS,
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": desktop.address},
        **PHONE,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def push_and_show(desktop, context, page, base_url, data: str) -> tuple[int, dict]:
    """Push `data` to the page's worker; the desktop's id and what it was asked to show.
    Read getNotifications() only after this: Chromium drops a notification from it that the
    desktop has not shown yet."""
    PushChannel(context, page, base_url).send(data)
    desktop.wait_for(lambda: len(desktop.shown) == 1, "the push's notification")
    ((dbus_id, on_screen),) = desktop.shown.items()
    return dbus_id, on_screen


def test_push_shows_what_the_sender_sent(live_server, world, desktop, desktop_phone):
    _, payload = assigned_to_olga(world)
    page = staff_inbox(desktop_phone, live_server)

    _, on_screen = push_and_show(
        desktop, desktop_phone, page, live_server, json.dumps(payload, ensure_ascii=False)
    )

    # On the screen: the title, and the body under the site's host (Chromium adds it).
    assert on_screen["summary"] == payload["title"]
    assert on_screen["body"].endswith(payload["body"])
    # In the worker: the tag that replaces an older push about the request, and its address.
    assert page.evaluate(SHOWN) == [
        {
            "title": payload["title"],
            "body": payload["body"],
            "tag": payload["tag"],
            "data": {"url": payload["url"]},
            "icon": live_server + "/static/icons/icon-192.png",
            "renotify": True,
        }
    ]


def test_push_without_payload_shows_the_generic_text(live_server, world, desktop, desktop_phone):
    page = staff_inbox(desktop_phone, live_server)

    _, on_screen = push_and_show(desktop, desktop_phone, page, live_server, "")

    assert on_screen["summary"] == "Wave"
    assert on_screen["body"].endswith("You have a new notification in Wave.")
    assert page.evaluate(SHOWN) == [
        {
            "title": "Wave",
            "body": "You have a new notification in Wave.",
            "tag": "",
            "data": {"url": "/inbox"},
            "icon": live_server + "/static/icons/icon-192.png",
            "renotify": False,
        }
    ]


def test_click_takes_the_open_app_to_the_request(live_server, world, desktop, desktop_phone):
    req, payload = assigned_to_olga(world)
    page = staff_inbox(desktop_phone, live_server)
    dbus_id, _ = push_and_show(
        desktop, desktop_phone, page, live_server, json.dumps(payload, ensure_ascii=False)
    )
    pages = len(desktop_phone.pages)

    desktop.click(dbus_id)

    # The open window is focused and navigated: focus() needs the click's user activation,
    # and without it the handler would fall back to openWindow(), a new page.
    page.wait_for_url(live_server + payload["url"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{req.number} · Trash removal")
    assert len(desktop_phone.pages) == pages
    desktop.wait_for(lambda: desktop.closed == [dbus_id], "the clicked notification closed")
    assert page.evaluate(SHOWN) == []


def test_click_with_the_app_closed_opens_the_request(live_server, world, desktop, desktop_phone):
    req, payload = assigned_to_olga(world)
    page = staff_inbox(desktop_phone, live_server)
    dbus_id, _ = push_and_show(
        desktop, desktop_phone, page, live_server, json.dumps(payload, ensure_ascii=False)
    )
    page.close()  # no Wave window left: only the profile's blank first page

    with desktop_phone.expect_page() as opened:
        desktop.click(dbus_id)

    page = opened.value
    page.wait_for_url(live_server + payload["url"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{req.number} · Trash removal")
    desktop.wait_for(lambda: desktop.closed == [dbus_id], "the clicked notification closed")
