"""Web Push to the installed staff app: the server's VAPID keys, the devices people turn on,
and the sender that delivers pending notifications to them after commit."""

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from wave.auth.models import User
from wave.extensions import db
from wave.notify import delivery, push_retries
from wave.notify.models import Notification, PushSubscription, ServerKey
from wave.notify.services import text_of
from wave.timeutil import now

log = logging.getLogger(__name__)

PRIVATE_KEY = "vapid.private"
PUBLIC_KEY = "vapid.public"
TTL_SECONDS = 3600  # a phone that is off for longer than an hour gets the bell, not a stale buzz
TTL = timedelta(seconds=TTL_SECONDS)
TIMEOUT_SECONDS = 10
BATCH = 100
MAX_BODY = 1000  # the encrypted payload must stay under 4 KB; Cyrillic is 2 bytes a letter


# ---------------------------------------------------------------- keys
@dataclass(frozen=True)
class VapidKeys:
    private_pem: str
    """PKCS#8 PEM of the P-256 private key that signs every push."""
    public: str
    """The public key as browsers want it for applicationServerKey: base64url, uncompressed."""

    def signer(self) -> Vapid:
        return Vapid(serialization.load_pem_private_key(self.private_pem.encode(), None))


def vapid_keys() -> VapidKeys:
    """The server's VAPID key pair: made on first use and kept in ServerKey, so every process
    and host signs with the same key. Commits when it makes them (call it with nothing else
    pending)."""
    cached = current_app.extensions.get("wave_vapid")
    if cached:
        return cached
    keys = _stored_keys()
    if keys is None:
        made = _new_keys()
        db.session.add_all(
            [
                ServerKey(name=PRIVATE_KEY, value=made.private_pem),
                ServerKey(name=PUBLIC_KEY, value=made.public),
            ]
        )
        try:
            db.session.commit()
        except IntegrityError:
            # Two processes starting at once: the second one's insert hits the primary key;
            # both then use the pair that was committed first.
            db.session.rollback()
        keys = _stored_keys()
        if keys is None:
            raise RuntimeError("VAPID keys are incomplete in server_keys; delete both rows")
    current_app.extensions["wave_vapid"] = keys
    return keys


def _stored_keys() -> VapidKeys | None:
    rows = dict(
        db.session.execute(
            select(ServerKey.name, ServerKey.value).where(
                ServerKey.name.in_([PRIVATE_KEY, PUBLIC_KEY])
            )
        ).all()
    )
    if len(rows) < 2:
        return None
    return VapidKeys(private_pem=rows[PRIVATE_KEY], public=rows[PUBLIC_KEY])


def _new_keys() -> VapidKeys:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(private_pem=pem, public=b64url(point))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_subject() -> str:
    """Who push services contact about our pushes: WAVE_VAPID_SUBJECT, else the public site."""
    if subject := current_app.config.get("WAVE_VAPID_SUBJECT"):
        return subject
    public = urlsplit(current_app.config.get("WAVE_PUBLIC_URL") or "")
    # py_vapid signs only for a mailto: or an https origin without a port.
    if public.scheme == "https" and public.hostname:
        return f"https://{public.hostname}"
    return "mailto:wave@localhost"


# ---------------------------------------------------------------- devices
class BadSubscription(ValueError):
    """A subscription the browser could not have made; the message says what is wrong."""


_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def parse_subscription(data) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from PushSubscription.toJSON(), checked; else BadSubscription."""
    if not isinstance(data, dict):
        raise BadSubscription(_("Send the subscription as JSON."))
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    if not isinstance(endpoint, str) or len(endpoint) > 2048:
        raise BadSubscription(_("The push endpoint is missing or too long."))
    parts = urlsplit(endpoint)
    schemes = {"https", "http"} if current_app.config.get("WAVE_PUSH_ALLOW_HTTP") else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        raise BadSubscription(_("The push endpoint must be an https:// address."))
    if not _known_service(parts.hostname):
        # Wave posts to whatever endpoint it is given: only browsers' push services, so a
        # signed-in account cannot make the server send requests into the local network.
        raise BadSubscription(_("This browser's push service is not one Wave sends to."))
    p256dh = _key(keys.get("p256dh"), 128)
    auth = _key(keys.get("auth"), 64)
    if p256dh is None or len(p256dh) != 65 or not _on_curve(p256dh):
        raise BadSubscription(_("The device's public key (p256dh) is not a P-256 key."))
    if auth is None or len(auth) != 16:
        raise BadSubscription(_("The device's auth secret must be 16 bytes."))
    return endpoint, keys["p256dh"].rstrip("="), keys["auth"].rstrip("=")


def _known_service(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(
        host == known or host.endswith("." + known)
        for known in current_app.config["WAVE_PUSH_SERVICES"]
    )


def _key(value, max_length: int) -> bytes | None:
    if not isinstance(value, str) or len(value) > max_length or not _B64URL.fullmatch(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def _on_curve(point: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return True


def subscribe(user, endpoint: str, p256dh: str, auth: str, user_agent: str | None):
    """This device gets `user`'s pushes. The endpoint is the device: one already known (another
    person signed in on this phone) moves to `user` with the new keys. Commits."""
    values = {
        "user_id": user.id,
        "p256dh": p256dh,
        "auth": auth,
        "user_agent": (user_agent or "")[:255] or None,
        "created_at": now(),
        "last_sent_at": None,
    }
    move = update(PushSubscription).where(PushSubscription.endpoint == endpoint).values(**values)
    if db.session.execute(move).rowcount:
        db.session.commit()
        return
    db.session.add(PushSubscription(endpoint=endpoint, **values))
    try:
        db.session.commit()
    except IntegrityError:  # the same device subscribed at the same moment in another request
        db.session.rollback()
        db.session.execute(move)
        db.session.commit()


def unsubscribe(user, *, endpoint: str | None = None, subscription_id: int | None = None) -> bool:
    """Forget one of `user`'s devices (by endpoint or id); another person's stays. Commits.
    True if there was one."""
    query = delete(PushSubscription).where(PushSubscription.user_id == user.id)
    if endpoint is not None:
        query = query.where(PushSubscription.endpoint == endpoint)
    elif subscription_id is not None:
        query = query.where(PushSubscription.id == subscription_id)
    else:
        raise TypeError("name the device by endpoint or subscription_id")
    gone = db.session.execute(query).rowcount
    db.session.commit()
    return gone > 0


def devices(user) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
        )
    )


_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]
_BROWSERS = [
    ("SamsungBrowser", "Samsung Internet"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("YaBrowser", "Yandex Browser"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
]


def device_name(user_agent: str | None) -> str:
    """'Chrome on Android' from a user agent, for the list of a person's devices."""
    ua = user_agent or ""
    system = next((name for mark, name in _SYSTEMS if mark in ua), None)
    browser = next((name for mark, name in _BROWSERS if mark in ua), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")


# ---------------------------------------------------------------- sending
@delivery.sender("push")
def send_pending() -> int:
    """Push every pending notification to its person's devices, oldest first, then the retries
    that are due. Each is claimed by one statement and committed before it is sent, so two
    workers never send one twice (a crash mid-send loses that push rather than sending it
    again). Commits per notification; gone devices (404/410) are forgotten; a device whose push
    service is busy or unreachable gets it again later (push_retries). Returns how many
    notifications reached at least one device."""
    keys = vapid_keys()
    sent = 0
    with requests.Session() as http:
        while True:
            ids = db.session.scalars(
                select(Notification.id)
                .where(Notification.push_pending.is_(True))
                .order_by(Notification.id)
                .limit(BATCH)
            ).all()
            db.session.commit()  # no snapshot held while pushing
            for notification_id in ids:
                if _claim(notification_id):
                    sent += _push(notification_id, keys, http)
            if len(ids) < BATCH:
                break
        while True:
            ids = push_retries.due()
            db.session.commit()
            for retry_id in ids:
                if retry := push_retries.claim(retry_id):
                    notification_id, device_id, attempt = retry
                    sent += _push(notification_id, keys, http, device_id, attempt)
            if len(ids) < push_retries.BATCH:
                return sent


def _claim(notification_id: int) -> bool:
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.push_pending.is_(True))
        .values(push_pending=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _push(notification_id: int, keys: VapidKeys, http, device_id=None, attempt=0) -> int:
    """1 if the notification reached a device: every device of its person, or (a retry, number
    `attempt`) the one device it is retried on. Commits."""
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, notification.user_id) if notification else None
    if notification is None or user is None or not user.is_active:
        return 0
    if attempt and notification.read_at is not None:
        return 0  # read in the bell meanwhile: no late buzz
    targets = [d for d in devices(user) if device_id is None or d.id == device_id]
    if not targets:
        return 0
    payload = json.dumps(_payload(notification, user), ensure_ascii=False)
    signer = keys.signer()
    delivered = 0
    for device in targets:
        outcome = _send_to(device, payload, signer, http)
        if outcome == LATER and not push_retries.later(notification, device.id, attempt + 1, TTL):
            log.warning("push %s to device %s given up", notification.id, device.id)
        delivered += outcome == SENT
    db.session.commit()
    return 1 if delivered else 0


def _payload(notification: Notification, user) -> dict:
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        body = text_of(notification)
    tag = f"request-{notification.request_id}" if notification.request_id else notification.kind
    return {
        "title": "Wave",
        "body": body[:MAX_BODY],
        "url": (notification.data or {}).get("url") or "/",
        "tag": tag,
    }


SENT, LATER, LOST = "sent", "later", "lost"
BUSY = {429, 500, 502, 503, 504}
"""Push service answers that mean "not now": the push is tried again later."""


def _send_to(device: PushSubscription, payload: str, signer: Vapid, http) -> str:
    """SENT if the push service took it, LATER if it is busy or unreachable, else LOST; a
    device it no longer knows is deleted (not committed)."""
    try:
        webpush(
            {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            payload,
            vapid_private_key=signer,
            vapid_claims={"sub": vapid_subject()},  # fresh: webpush writes aud and exp in it
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            requests_session=http,
        )
    except WebPushException as exc:
        status = exc.status_code
        if status in (404, 410):
            log.info("push device %s is gone (%s): forgotten", device.id, status)
            db.session.delete(device)
            return LOST
        log.warning("push to device %s failed: %s", device.id, status or exc)
        return LATER if status in BUSY else LOST
    except requests.RequestException as exc:  # unreachable or slow
        log.warning("push to device %s failed: %s", device.id, exc)
        return LATER
    except Exception:  # one broken device must not stop the others
        log.exception("push to device %s failed", device.id)
        return LOST
    device.last_sent_at = now()
    return SENT
