"""Web Push: VAPID-signed, encrypted pushes reach a person's devices once, in their language;
devices the push service has forgotten are dropped. A local HTTP server plays the push
service and the test holds each device's private key, so every push is decrypted and read."""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask_babel import force_locale
from sqlalchemy import func, select, update

from tests.builders import report
from tests.conftest import at_once
from wave import create_app
from wave.extensions import db
from wave.notify import delivery, preferences, push, push_retries
from wave.notify.models import Notification, PushRetry, PushSubscription, ServerKey
from wave.notify.services import notify, text_of
from wave.timeutil import now


@pytest.fixture
def config_overrides():
    # The tests call the sender themselves, except the one that checks the after-commit kick.
    return {"WAVE_PUSH_ALLOW_HTTP": True, "WAVE_DELIVER_AFTER_COMMIT": False}


@dataclass
class Received:
    path: str
    headers: object  # an email.message.Message: names are case-insensitive
    body: bytes


@dataclass
class PushService:
    """Stands in for FCM/Mozilla's push service: records every POST, answers 201 or as told."""

    origin: str
    received: list[Received] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
def push_service():
    """A push service on 127.0.0.1 in a thread; stopped after the test."""
    service = PushService(origin="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                service.received.append(Received(self.path, self.headers, body))
            self.send_response(service.answers.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
    thread.join(5)


@dataclass
class Device:
    """A browser's side of a subscription: its ECDH key and auth secret stay here."""

    path: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def read(self, received: Received) -> dict:
        plain = http_ece.decrypt(
            received.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def add_device(service: PushService, user, name: str) -> Device:
    """The device subscribes for `user`, as POST /push/subscriptions stores it."""
    key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    path = f"/wpush/{name}"
    device = Device(path, service.origin + path, key, auth)
    push.subscribe(user, device.endpoint, b64url(point), b64url(auth), "Chrome on a test phone")
    return device


def tell(user, request_id=None, url="/requests/7", **data):
    """One 'assigned' notification for `user`, committed."""
    data = {"number": "#7", "summary": "Bin is full", **data}
    (row,) = notify([user], "assigned", request_id=request_id, url=url, **data)
    db.session.commit()
    return row


def assert_vapid_signed(received: Received, origin: str):
    """Authorization: vapid t=<ES256 JWT for this push service>, k=<our public key>."""
    scheme, params = received.headers["Authorization"].split(" ", 1)
    assert scheme == "vapid"
    parts = dict(part.split("=", 1) for part in params.split(","))
    assert parts["k"] == push.vapid_keys().public
    head, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(head))["alg"] == "ES256"
    claims_data = json.loads(unb64url(claims))
    assert claims_data["aud"] == origin
    assert claims_data["sub"] == "mailto:wave@localhost"
    assert claims_data["exp"] > time.time()
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged


def test_push_is_signed_encrypted_and_reaches_only_the_persons_devices(world, push_service):
    phone = add_device(push_service, world.olga, "olga-phone")
    tablet = add_device(push_service, world.olga, "olga-tablet")
    others = add_device(push_service, world.sam, "sam-phone")
    row = tell(world.olga)

    assert push.send_pending() == 1

    expected = {"title": "Wave", "body": "#7 is yours now: Bin is full", "url": "/requests/7"}
    for device in (phone, tablet):
        (received,) = push_service.to(device.path)
        assert_vapid_signed(received, push_service.origin)
        assert received.headers["Content-Encoding"] == "aes128gcm"
        assert received.headers["TTL"] == str(push.TTL_SECONDS)
        assert device.read(received) == {**expected, "tag": "assigned"}
        assert db.session.get(PushSubscription, _id(device)).last_sent_at is not None
    assert push_service.to(others.path) == []
    db.session.refresh(row)
    assert row.push_pending is False


def test_push_about_a_request_is_tagged_with_it(world, push_service):
    req = report(world)
    push.send_pending()  # whatever the report itself pushed: nobody has a device yet
    device = add_device(push_service, world.olga, "olga-phone")
    tell(world.olga, request_id=req.id, url=f"/requests/{req.id}")

    push.send_pending()

    payload = device.read(push_service.to(device.path)[0])
    assert payload["tag"] == f"request-{req.id}" and payload["url"] == f"/requests/{req.id}"


def test_push_speaks_the_recipients_language(world, push_service):
    world.olga.locale = "ru"
    db.session.commit()
    device = add_device(push_service, world.olga, "olga-phone")
    row = tell(world.olga)

    push.send_pending()

    with force_locale("ru"):
        in_russian = text_of(row)
    assert device.read(push_service.to(device.path)[0])["body"] == in_russian


def test_a_notification_is_pushed_once(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    tell(world.olga)

    assert delivery.send_pending(["push"]) == {"push": 1}
    assert delivery.send_pending(["push"]) == {"push": 0}
    assert len(push_service.to(device.path)) == 1


def test_two_senders_at_once_deliver_each_notification_once(app, world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    for n in range(12):
        tell(world.olga, number=f"#{n}")
    push.vapid_keys()
    results, errors = at_once(app, push.send_pending)

    assert errors == [] and sum(results) == 12
    bodies = sorted(device.read(r)["body"] for r in push_service.to(device.path))
    assert bodies == sorted(f"#{n} is yours now: Bin is full" for n in range(12))


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_dropped(world, push_service, status):
    gone = add_device(push_service, world.olga, "old-phone")
    kept = add_device(push_service, world.olga, "new-phone")
    push_service.answers[gone.path] = status
    tell(world.olga)

    assert push.send_pending() == 1

    assert db.session.get(PushSubscription, _id(kept)) is not None
    assert _id(gone) is None


def test_a_failing_push_service_is_logged_and_the_device_kept(world, push_service, caplog):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = 503
    add_device(push_service, world.olga, "nowhere")
    # A push service that does not answer at all (nothing listens on port 9):
    db.session.execute(
        update(PushSubscription)
        .where(PushSubscription.endpoint.endswith("/nowhere"))
        .values(endpoint="http://127.0.0.1:9/nowhere")
    )
    db.session.commit()
    tell(world.olga)

    assert push.send_pending() == 0

    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 2
    assert "failed: 503" in caplog.text and "Connection refused" in caplog.text


def retries() -> list[tuple[int, int]]:
    """(device id, attempt) of each push waiting to be tried again."""
    db.session.expire_all()
    rows = db.session.execute(select(PushRetry.subscription_id, PushRetry.attempt))
    return sorted(tuple(row) for row in rows)


def make_retries_due():
    db.session.execute(update(PushRetry).values(next_at=now() - timedelta(seconds=1)))
    db.session.commit()


def test_a_busy_push_service_gets_the_push_again_later(world, push_service):
    busy = add_device(push_service, world.olga, "busy-phone")
    fine = add_device(push_service, world.olga, "fine-phone")
    push_service.answers[busy.path] = 503
    row = tell(world.olga)

    assert push.send_pending() == 1  # the fine phone
    assert retries() == [(_id(busy), 1)]
    waiting = db.session.scalar(select(PushRetry.next_at))
    assert timedelta(seconds=25) < waiting - now() <= push_retries.DELAYS[0]
    assert push.send_pending() == 0  # not due yet
    assert len(push_service.to(busy.path)) == 1

    push_service.answers[busy.path] = 201
    make_retries_due()
    assert push.send_pending() == 1
    assert retries() == []
    first, again = push_service.to(busy.path)
    assert busy.read(again) == busy.read(first) and busy.read(again)["body"] == text_of(row)
    assert len(push_service.to(fine.path)) == 1  # the phone that had it is not buzzed again


@pytest.mark.parametrize(
    "status, retried",
    [(429, True), (500, True), (502, True), (504, True), (400, False), (403, False), (413, False)],
)
def test_only_a_not_now_answer_is_retried(world, push_service, status, retried):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = status
    tell(world.olga)

    assert push.send_pending() == 0
    assert retries() == ([(_id(device), 1)] if retried else [])


def test_a_push_is_retried_a_few_times_then_given_up(world, push_service, caplog):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = 503
    tell(world.olga)

    push.send_pending()
    for attempt in range(1, len(push_retries.DELAYS) + 1):
        assert retries() == [(_id(device), attempt)]
        make_retries_due()
        assert push.send_pending() == 0
    assert retries() == []
    assert len(push_service.to(device.path)) == 1 + len(push_retries.DELAYS)
    assert "given up" in caplog.text


def test_a_push_read_in_the_bell_meanwhile_is_not_retried(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = 503
    row = tell(world.olga)
    push.send_pending()
    push_service.answers[device.path] = 201

    db.session.get(Notification, row.id).read_at = now()
    db.session.commit()
    make_retries_due()

    assert push.send_pending() == 0
    assert retries() == [] and len(push_service.to(device.path)) == 1


def test_a_push_too_old_to_buzz_is_not_retried(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = 503
    row = tell(world.olga)
    db.session.get(Notification, row.id).created_at = now() - push.TTL + timedelta(seconds=20)
    db.session.commit()

    push.send_pending()
    assert retries() == []


def test_a_forgotten_device_takes_its_retries_with_it(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    push_service.answers[device.path] = 503
    tell(world.olga)
    push.send_pending()
    assert retries() == [(_id(device), 1)]

    push.unsubscribe(world.olga, endpoint=device.endpoint)
    assert retries() == []


def test_no_push_for_a_kind_the_person_turned_off(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    preferences.save(world.olga, {"assigned": (True, False)})
    row = tell(world.olga)

    assert row.push_pending is False and row.in_app is True
    assert push.send_pending() == 0
    assert push_service.to(device.path) == []


@pytest.mark.parametrize(
    "config_overrides",
    [{"WAVE_PUSH_ALLOW_HTTP": True, "WAVE_DELIVER_AFTER_COMMIT": True}],
    ids=["kicked"],
)
def test_commit_sends_the_push_without_anyone_calling_the_sender(world, push_service):
    device = add_device(push_service, world.olga, "olga-phone")
    row = tell(world.olga)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _sent(row.id):
        time.sleep(0.05)
    assert [device.read(r)["url"] for r in push_service.to(device.path)] == ["/requests/7"]


def _sent(notification_id) -> bool:
    # Set by the background sender after its commit (another session): read it fresh.
    db.session.rollback()
    row = db.session.get(Notification, notification_id)
    device = db.session.scalar(
        select(PushSubscription).where(PushSubscription.user_id == row.user_id)
    )
    return device.last_sent_at is not None


@pytest.mark.parametrize(
    "subject, public_url, expected",
    [
        ("mailto:ops@example.com", "https://wave.example.com", "mailto:ops@example.com"),
        (None, "https://wave.example.com:8443/wave/", "https://wave.example.com"),
        (None, "http://192.168.1.5:5000", "mailto:wave@localhost"),
        (None, None, "mailto:wave@localhost"),
    ],
)
def test_push_services_are_told_whom_to_contact(app, subject, public_url, expected):
    app.config.update(WAVE_VAPID_SUBJECT=subject, WAVE_PUBLIC_URL=public_url)
    assert push.vapid_subject() == expected


def test_service_worker_shows_pushes_and_opens_their_page(client):
    body = client.get("/sw.js").get_data(True)
    assert 'addEventListener("push"' in body and "showNotification" in body
    assert 'addEventListener("notificationclick"' in body and "openWindow" in body
    assert "You have a new notification in Wave." in body  # a push without a payload
    assert 'addEventListener("fetch"' in body  # the app shell is still cached


def test_vapid_keys_are_made_once_and_kept(app, world):
    keys = push.vapid_keys()
    app.extensions.pop("wave_vapid")  # as another process would: from the database

    assert push.vapid_keys() == keys
    stored = dict(db.session.execute(select(ServerKey.name, ServerKey.value)).all())
    assert stored == {"vapid.private": keys.private_pem, "vapid.public": keys.public}
    private = serialization.load_pem_private_key(keys.private_pem.encode(), None)
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert b64url(point) == keys.public and len(point) == 65


def test_processes_starting_at_once_agree_on_one_key(app, test_config):
    start = threading.Barrier(3)
    keys, errors = [], []

    # Each app has its own engine and key cache, like a process. They are made one at a time:
    # building apps in threads at once trips CPython 3.11.7's ast (gh-106905, "AST
    # constructor recursion depth mismatch"), which processes never share.
    processes = [create_app(test_config) for _ in range(3)]

    def first_run(process):
        with process.app_context():
            try:
                start.wait(5)
                keys.append(push.vapid_keys())
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=first_run, args=(p,)) for p in processes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == [] and len(keys) == 3 and len(set(keys)) == 1
    assert db.session.scalar(select(func.count()).select_from(ServerKey)) == 2


def _id(device: Device) -> int | None:
    db.session.expire_all()
    return db.session.scalar(
        select(PushSubscription.id).where(PushSubscription.endpoint == device.endpoint)
    )
