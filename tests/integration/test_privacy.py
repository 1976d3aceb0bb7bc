"""A requester's contact details erased on their request: gone from the requests (this one,
and those with the same phone or e-mail if asked), from the stored e-mails and from the
archive search; the requests and their timelines stay."""

import pytest
from sqlalchemy import select

from tests.builders import report
from tests.conftest import token
from wave.extensions import db
from wave.notify import mail
from wave.notify.models import OutboundEmail
from wave.requests.models import RequestEvent
from wave.search.criteria import Criteria
from wave.search.queries import search

IVY = {"name": "Ivy Tenant", "phone": "+49 30 1234567", "email": "ivy@tenant.example"}


@pytest.fixture
def config_overrides():
    return {"WAVE_SMTP_HOST": "127.0.0.1", "WAVE_DELIVER_AFTER_COMMIT": False}


@pytest.fixture
def ivys(world):
    """Ivy's first request, two more of hers (phone and e-mail typed differently), and
    Olaf's; an e-mail stored for each of the four."""
    requests = (
        report(world, description="Bin is full", contact=IVY),
        report(world, description="Door squeaks", contact={"phone": "+49 (30) 123-4567"}),
        report(
            world, description="Light out", contact={"name": "I.", "email": "IVY@Tenant.example"}
        ),
        report(world, description="Tap leaks", contact={"name": "Olaf", "phone": "+49 30 765432"}),
    )
    for req in requests:
        mail.queue(req.requester_email or "olaf@tenant.example", "News", "…", request_id=req.id)
    mail.queue("Ivy@tenant.example", "Hello", "…")  # to her address, of no request
    db.session.commit()
    return requests


def contact(req) -> tuple:
    db.session.refresh(req)
    return req.requester_name, req.requester_phone, req.requester_email


def erase(client, req, **fields):
    data = {"csrf_token": token(client, f"/requests/{req.id}/erase-contact"), **fields}
    return client.post(f"/requests/{req.id}/erase-contact", data=data)


def found(user, **criteria) -> set[int]:
    rows, _cursor = search(user, Criteria(**criteria), limit=100)
    return {r.id for r in rows}


def test_a_manager_erases_the_contact_everywhere_the_requester_left_it(world, ivys, signed_in):
    first, same_phone, same_mail, olafs = ivys
    mark = signed_in(world.mark)
    page = mark.get(f"/requests/{first.id}/erase-contact").get_data(True)
    assert "2 other requests have the same phone or e-mail" in page
    assert f"#{same_phone.id}" in page and f"#{same_mail.id}" in page
    assert f"#{olafs.id}<" not in page

    answer = erase(mark, first, everywhere="y")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/requests/{first.id}")
    for req in (first, same_phone, same_mail):
        assert contact(req) == (None, None, None)
        (erased,) = db.session.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == req.id, RequestEvent.kind == "contact_erased"
            )
        )
        assert erased.actor_id == world.mark.id and erased.data == {} and not erased.public
    assert contact(olafs) == ("Olaf", "+49 30 765432", None)
    addresses = db.session.scalars(select(OutboundEmail.to_address)).all()
    assert addresses == ["olaf@tenant.example"]

    assert not found(world.mark, phone="4930 1234567")
    assert not found(world.mark, email="ivy@")
    assert not found(world.mark, requester="Ivy")
    assert not found(world.mark, text="Ivy")
    assert found(world.mark, requester="Olaf") == {olafs.id}

    page = mark.get(answer.headers["Location"]).get_data(True)
    assert "The contact details were erased from 3 requests." in page
    assert "Requester’s contact details erased" in page and "Erase…" not in page
    assert "Bin is full" in page  # the request itself stays


def test_unticked_only_this_request_loses_the_contact(world, ivys, signed_in):
    first, same_phone, same_mail, _olafs = ivys
    answer = erase(signed_in(world.anna), first)  # an admin; the box not ticked
    assert answer.status_code == 303
    assert contact(first) == (None, None, None)
    assert contact(same_phone) == (None, "+49 (30) 123-4567", None)
    assert contact(same_mail) == ("I.", None, "IVY@Tenant.example")
    assert db.session.scalar(
        select(OutboundEmail.id).where(OutboundEmail.request_id == same_mail.id)
    )


def test_a_second_tap_goes_back_to_the_request_and_records_nothing_more(world, ivys, signed_in):
    first = ivys[0]
    mark = signed_in(world.mark)
    data = {"csrf_token": token(mark, f"/requests/{first.id}/erase-contact")}
    for _ in range(2):
        answer = mark.post(f"/requests/{first.id}/erase-contact", data=data)
        assert answer.status_code == 303
    events = select(RequestEvent).where(RequestEvent.kind == "contact_erased")
    assert len(db.session.scalars(events).all()) == 1


@pytest.mark.parametrize("who", ["sam", "dina"])
def test_staff_and_the_desk_cannot_erase(world, ivys, signed_in, who):
    first = ivys[0]
    person = signed_in(getattr(world, who))
    assert "Erase…" not in person.get(f"/requests/{first.id}").get_data(True)
    assert person.get(f"/requests/{first.id}/erase-contact").status_code == 403
    answer = person.post(f"/requests/{first.id}/erase-contact", data={"csrf_token": token(person)})
    assert answer.status_code == 403
    assert contact(first) == tuple(IVY.values())


def test_without_a_session_or_a_token_nothing_is_erased(world, ivys, client, signed_in):
    first = ivys[0]
    answer = client.get(f"/requests/{first.id}/erase-contact")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    answer = client.post(f"/requests/{first.id}/erase-contact", data={"everywhere": "y"})
    assert answer.status_code in (302, 400)
    mark = signed_in(world.mark)
    answer = mark.post(f"/requests/{first.id}/erase-contact", data={"everywhere": "y"})
    assert answer.status_code == 400
    assert contact(first) == tuple(IVY.values())


def test_the_request_page_offers_it_to_managers(world, ivys, signed_in):
    page = signed_in(world.mark).get(f"/requests/{ivys[0].id}").get_data(True)
    assert f'href="/requests/{ivys[0].id}/erase-contact"' in page
