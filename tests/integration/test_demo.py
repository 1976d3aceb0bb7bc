"""python -m wave demo: a realistic building, loaded once."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import login
from wave.auth.models import Team, User
from wave.demo import load_demo, tenant_urls
from wave.extensions import db
from wave.messenger.models import Message, Thread
from wave.plans.models import Plan
from wave.qr.models import Asset, Location, QrTag
from wave.requests import from_chat
from wave.requests.models import (
    Category,
    Lease,
    RequestAttachment,
    RequestEvent,
    ServiceRequest,
)
from wave.timeutil import now


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_loads_a_building_once(app, client):
    assert load_demo() is True
    rooms = db.session.scalar(select(func.count(Location.id)).where(Location.kind == "room"))
    assert rooms == 40 and count(Asset) == 20 and count(Team) == 3
    assert count(QrTag) == 60
    groups = {
        c.name for c in db.session.scalars(select(Category).where(Category.parent_id.is_(None)))
    }
    assert {"Cleaning", "Electrical", "Plumbing", "HVAC", "IT", "Security"} <= groups
    usernames = set(db.session.scalars(select(User.username)))
    assert {"admin", "manager", "dispatcher"} <= usernames
    for team in db.session.scalars(select(Team)):
        assert len([u for u in team.members if u.role == "staff"]) >= 2
    plans = db.session.scalars(select(Plan)).all()
    assert len(plans) == 3 and all(p.next_at > now() for p in plans)  # made later, by the worker
    assert min(p.next_at for p in plans) <= now() + timedelta(hours=1)
    assert sorted(p.assignee.username for p in plans if p.assignee) == ["ivan", "olga"]
    statuses = set(db.session.scalars(select(ServiceRequest.status)))
    assert count(ServiceRequest) == 13  # a dozen from tenants and the desk, one from a chat
    assert {"new", "assigned", "in_progress", "on_hold", "done", "closed", "cancelled"} <= statuses
    assert count(RequestEvent) > 12
    # rooms named after their tenant are leased to it; their requests carry its class
    assert count(Lease) == 5  # 101 Nordlicht, 201 and 202 Brightway, 401 and 402 Helix
    classes = set(db.session.scalars(select(ServiceRequest.sla_class)))
    assert "A" in classes and "B" in classes
    models = (Location, Asset, User, ServiceRequest, QrTag, RequestEvent, Thread, Message)
    before = {m: count(m) for m in models}
    assert load_demo() is False
    assert {m: count(m) for m in before} == before
    urls = tenant_urls("http://h:1")
    assert len(urls) == 3
    for _name, url in urls:
        assert url.startswith("http://h:1/q/")
        assert client.get(url.removeprefix("http://h:1")).status_code == 200
    demo = db.session.scalar(select(User).where(User.username == "dispatcher"))
    assert demo.check_password("wave-demo")


def texts(thread):
    return db.session.scalars(
        select(Message.body)
        .where(Message.thread_id == thread.id, Message.kind == "text")
        .order_by(Message.id)
    ).all()


def test_demo_chats_talk_and_one_photo_became_a_request_with_its_card(app, client):
    load_demo()
    threads = db.session.scalars(select(Thread).where(Thread.kind == "team")).all()
    chats = {db.session.get(Team, t.team_id).name: t for t in threads}
    assert set(chats) == {"Cleaning", "Technicians", "IT & Security"}
    for name, thread in chats.items():
        offered = db.session.scalars(
            select(Category).where(Category.id.in_(from_chat.bound_category_ids(thread)))
        ).all()
        assert offered and {c.default_team.name for c in offered} == {name}
    cleaning, technicians = chats["Cleaning"], chats["Technicians"]
    assert len(texts(cleaning)) >= 3 and len(texts(technicians)) >= 3
    (direct,) = db.session.scalars(select(Thread).where(Thread.kind == "direct"))
    assert len(texts(direct)) >= 2

    # Messages were written over the working day, in order, by the chat's people.
    for thread in (cleaning, technicians, direct):
        rows = db.session.scalars(
            select(Message).where(Message.thread_id == thread.id).order_by(Message.id)
        ).all()
        stamps = [m.created_at for m in rows]
        assert stamps == sorted(stamps) and stamps[-1] < now()
        assert thread.last_message_id == rows[-1].id
        if thread.kind == "team":
            assert stamps[-1] - stamps[0] > timedelta(hours=1)
    cleaners = {u.id for u in db.session.get(Team, cleaning.team_id).members}
    authors = set(
        db.session.scalars(select(Message.author_id).where(Message.thread_id == cleaning.id))
    )
    assert authors <= cleaners

    # Sam's photo became a request in the Cleaning chat; its card there shows Sam took it.
    (req,) = db.session.scalars(select(ServiceRequest).where(ServiceRequest.source == "chat"))
    source = db.session.get(Message, req.source_message_id)
    assert source.thread_id == cleaning.id and source.request_id == req.id
    assert source.author.username == "sam" and req.created_by.username == "olga"
    assert (req.status, req.assignee.username, req.category.name) == ("assigned", "sam", "Spill")
    photos = db.session.scalars(
        select(RequestAttachment.attachment_id).where(RequestAttachment.request_id == req.id)
    ).all()
    assert photos and photos == [link.attachment_id for link in source.attachments]
    (card,) = db.session.scalars(
        select(Message).where(Message.kind == "card", Message.request_id == req.id)
    )
    assert card.thread_id == cleaning.id and card.id > source.id
    assert req.created_at >= source.created_at

    login(client, "olga", "wave-demo")
    page = client.get(f"/chats/{cleaning.id}").get_data(as_text=True)
    shown = page[page.index(f'id="request-card-{card.id}"') :]
    shown = shown[: shown.index("</article>")]
    assert "badge status-assigned" in shown and "<strong>Sam Okafor</strong>" in shown
    assert f"#{req.id}" in shown and "Spill" in shown and "Café" in shown
