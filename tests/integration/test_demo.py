"""python -m wave demo: a realistic building, loaded once."""

from sqlalchemy import func, select

from wave.auth.models import Team, User
from wave.demo import load_demo, tenant_urls
from wave.extensions import db
from wave.qr.models import Asset, Location, QrTag
from wave.requests.models import Category, Lease, RequestEvent, ServiceRequest


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
    statuses = set(db.session.scalars(select(ServiceRequest.status)))
    assert count(ServiceRequest) == 12
    assert {"new", "assigned", "in_progress", "on_hold", "done", "closed", "cancelled"} <= statuses
    assert count(RequestEvent) > 12
    # rooms named after their tenant are leased to it; their requests carry its class
    assert count(Lease) == 5  # 101 Nordlicht, 201 and 202 Brightway, 401 and 402 Helix
    classes = set(db.session.scalars(select(ServiceRequest.sla_class)))
    assert "A" in classes and "B" in classes
    before = {m: count(m) for m in (Location, Asset, User, ServiceRequest, QrTag, RequestEvent)}
    assert load_demo() is False
    assert {m: count(m) for m in before} == before
    urls = tenant_urls("http://h:1")
    assert len(urls) == 3
    for _name, url in urls:
        assert url.startswith("http://h:1/q/")
        assert client.get(url.removeprefix("http://h:1")).status_code == 200
    demo = db.session.scalar(select(User).where(User.username == "dispatcher"))
    assert demo.check_password("wave-demo")
