"""Each person's notification choices (/settings/notifications) and the device subscription
API the staff app's push.js uses."""

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from tests.conftest import csrf_from, token
from wave.extensions import db
from wave.notify import preferences, push
from wave.notify.kinds import KINDS
from wave.notify.models import NotificationPreference, PushSubscription
from wave.notify.services import preferences as choices_for


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_subscription(endpoint="https://push.example.net/wpush/abc") -> dict:
    """What PushSubscription.toJSON() gives in a browser."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))},
    }


def post_json(client, url, data, **headers):
    return client.post(url, json=data, headers={"X-CSRFToken": token(client), **headers})


def subscriptions():
    db.session.expire_all()
    return list(db.session.scalars(select(PushSubscription).order_by(PushSubscription.id)))


# ---------------------------------------------------------------- choices
def test_page_lists_every_kind_with_its_choices(world, signed_in):
    preferences.save(world.olga, {"assigned": (True, False)})
    html = signed_in(world.olga).get("/settings/notifications").get_data(True)

    for name, kind in KINDS.items():
        assert str(kind.label) in html
        assert f'name="{name}.in_app"' in html and f'name="{name}.push"' in html
    assert 'name="assigned.in_app" value="1" checked' in html
    assert 'name="assigned.push" value="1">' in html  # turned off
    assert 'name="new_for_team.push" value="1">' in html  # off unless chosen
    assert 'name="reopened.push" value="1" checked' in html


def test_settings_page_links_to_the_notification_choices(world, signed_in):
    assert 'href="/settings/notifications"' in signed_in(world.olga).get("/settings").get_data(True)


def test_saving_changes_what_the_person_is_told(world, signed_in):
    olga = signed_in(world.olga)
    form = {
        "csrf_token": token(olga, "/settings/notifications"),
        "assigned.in_app": "1",
        "new_for_team.push": "1",
        **{
            f"{k}.{w}": "1"
            for k in KINDS
            if k not in ("assigned", "new_for_team")
            for w in ("in_app", "push")
        },
    }

    response = olga.post("/settings/notifications", data=form)

    assert response.status_code == 303 and response.headers["Location"] == "/settings/notifications"
    ids = [world.olga.id, world.sam.id]
    assert choices_for(ids, "assigned") == {
        world.olga.id: (True, False),
        world.sam.id: (True, True),
    }
    assert choices_for(ids, "new_for_team")[world.olga.id] == (False, True)
    assert choices_for(ids, "reopened")[world.olga.id] == (True, True)
    # Choices equal to the default are no rows: a later default reaches those who never chose.
    stored = db.session.scalars(select(NotificationPreference.kind)).all()
    assert sorted(stored) == ["assigned", "new_for_team"]
    assert "Notification settings saved." in olga.get("/settings/notifications").get_data(True)


def test_saving_everything_off_tells_nothing(world, signed_in):
    olga = signed_in(world.olga)
    olga.post("/settings/notifications", data={"csrf_token": token(olga)})
    for kind in KINDS:
        assert choices_for([world.olga.id], kind) == {world.olga.id: (False, False)}


def test_saving_needs_the_csrf_token(world, signed_in):
    olga = signed_in(world.olga)
    assert olga.post("/settings/notifications", data={"assigned.in_app": "1"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


# ---------------------------------------------------------------- devices
def test_anonymous_users_get_no_key_and_cannot_subscribe(client, world):
    assert "/login" in client.get("/push/key").headers["Location"]
    anonymous_token = csrf_from(client.get("/login").get_data(True))
    response = client.post(
        "/push/subscriptions", json=browser_subscription(), headers={"X-CSRFToken": anonymous_token}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert subscriptions() == []


def test_the_key_is_the_servers_public_vapid_key(world, signed_in):
    key = signed_in(world.olga).get("/push/key").get_json()["key"]
    assert key == push.vapid_keys().public
    assert len(base64.urlsafe_b64decode(key + "=")) == 65


def test_subscribing_stores_this_device_for_the_person(world, signed_in):
    olga = signed_in(world.olga)
    data = browser_subscription()
    android = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/126.0 Mobile"

    response = post_json(olga, "/push/subscriptions", data, **{"User-Agent": android})

    assert response.status_code == 201
    (device,) = subscriptions()
    assert (device.user_id, device.endpoint) == (world.olga.id, data["endpoint"])
    assert (device.p256dh, device.auth) == (data["keys"]["p256dh"], data["keys"]["auth"])
    assert device.user_agent == android
    page = olga.get("/settings/notifications").get_data(True)
    assert "Chrome on Android" in page and f'data-endpoint="{data["endpoint"]}"' in page


def test_subscribing_needs_the_csrf_token(world, signed_in):
    response = signed_in(world.olga).post("/push/subscriptions", json=browser_subscription())
    assert response.status_code == 400 and subscriptions() == []


def _bad(**change):
    data = browser_subscription()
    keys = data["keys"]
    for name, value in change.items():
        (keys if name in ("p256dh", "auth") else data)[name] = value
    return data


NOT_ON_CURVE = b64url(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    "data, message",
    [
        ("not json", "JSON"),
        (_bad(endpoint=None), "endpoint is missing"),
        (_bad(endpoint="http://push.example.net/x"), "https://"),
        (_bad(endpoint="javascript:alert(1)"), "https://"),
        (_bad(endpoint="https://"), "https://"),
        (_bad(endpoint="https://push.example.net/" + "x" * 2048), "too long"),
        (_bad(p256dh=b64url(os.urandom(33))), "p256dh"),
        (_bad(p256dh=NOT_ON_CURVE), "p256dh"),
        (_bad(p256dh="not base64 !"), "p256dh"),
        (_bad(auth=b64url(os.urandom(16)) + "\n"), "auth"),
        (_bad(p256dh=None), "p256dh"),
        (_bad(auth=b64url(os.urandom(15))), "auth"),
        (_bad(auth="x" * 65), "auth"),
    ],
)
def test_a_bad_subscription_is_refused_with_a_reason(world, signed_in, data, message):
    olga = signed_in(world.olga)
    if data == "not json":
        response = olga.post(
            "/push/subscriptions", data="endpoint=x", headers={"X-CSRFToken": token(olga)}
        )
    else:
        response = post_json(olga, "/push/subscriptions", data)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert subscriptions() == []


@pytest.mark.parametrize("config_overrides", [{"WAVE_PUSH_ALLOW_HTTP": True}])
def test_plain_http_push_services_only_when_allowed(world, signed_in):
    response = post_json(
        signed_in(world.olga), "/push/subscriptions", browser_subscription("http://127.0.0.1:9/x")
    )
    assert response.status_code == 201


def test_the_same_device_signing_in_as_someone_else_moves_to_them(world, signed_in):
    first = browser_subscription()
    post_json(signed_in(world.olga), "/push/subscriptions", first)
    again = browser_subscription(first["endpoint"])  # new keys, same endpoint: the same phone

    assert post_json(signed_in(world.sam), "/push/subscriptions", again).status_code == 201

    (device,) = subscriptions()
    assert device.user_id == world.sam.id and device.p256dh == again["keys"]["p256dh"]


def test_a_person_turns_off_only_their_own_device(world, signed_in):
    olga, sam = signed_in(world.olga), signed_in(world.sam)
    olgas, sams = browser_subscription("https://push.example.net/olga"), browser_subscription()
    post_json(olga, "/push/subscriptions", olgas)
    post_json(sam, "/push/subscriptions", sams)

    response = post_json(olga, "/push/subscriptions/delete", {"endpoint": sams["endpoint"]})
    assert response.status_code == 404
    assert [d.endpoint for d in subscriptions()] == [olgas["endpoint"], sams["endpoint"]]

    response = post_json(olga, "/push/subscriptions/delete", {"endpoint": olgas["endpoint"]})
    assert response.status_code == 204
    assert [d.endpoint for d in subscriptions()] == [sams["endpoint"]]


def test_a_device_is_removed_from_the_list_by_its_owner_only(world, signed_in):
    olga, sam = signed_in(world.olga), signed_in(world.sam)
    post_json(olga, "/push/subscriptions", browser_subscription("https://push.example.net/olga"))
    post_json(sam, "/push/subscriptions", browser_subscription("https://push.example.net/sam"))
    olgas, sams = subscriptions()

    url = f"/settings/notifications/devices/{sams.id}/delete"
    assert olga.post(url, data={"csrf_token": token(olga)}).status_code == 404
    url = f"/settings/notifications/devices/{olgas.id}/delete"
    response = olga.post(url, data={"csrf_token": token(olga)})

    assert response.status_code == 303
    assert [d.endpoint for d in subscriptions()] == ["https://push.example.net/sam"]
    assert "No device gets your pushes yet." in olga.get("/settings/notifications").get_data(True)


def test_signing_out_stops_this_phones_pushes_but_not_the_persons_other_devices(world, signed_in):
    phone, tablet = signed_in(world.olga), signed_in(world.olga)
    assert post_json(phone, "/push/subscriptions", browser_subscription()).status_code == 201
    other = browser_subscription("https://push.example.net/wpush/tablet")
    assert post_json(tablet, "/push/subscriptions", other).status_code == 201

    assert phone.post("/logout", data={"csrf_token": token(phone)}).status_code == 302

    assert [d.endpoint for d in subscriptions()] == [other["endpoint"]]


def test_only_browsers_push_services_are_accepted(world, signed_in):
    olga = signed_in(world.olga)
    inside = browser_subscription("https://intranet.example.internal/admin/reboot")
    response = post_json(olga, "/push/subscriptions", inside)
    assert response.status_code == 400
    assert response.get_json()["error"] == "This browser's push service is not one Wave sends to."
    chrome = browser_subscription("https://fcm.googleapis.com/fcm/send/abc:def")
    assert post_json(olga, "/push/subscriptions", chrome).status_code == 201
    assert [d.endpoint for d in subscriptions()] == [chrome["endpoint"]]
