"""The worker's ticks at a controlled clock: breaches recorded once, each rule fires once and
only to the people concerned, nothing at night for a business-hours rule, reminders,
auto-close, and two workers racing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.builders import make_user, report
from tests.conftest import at_once
from wave.extensions import db
from wave.jobs import ticks
from wave.notify.models import Notification
from wave.requests import lifecycle, recipients
from wave.requests.models import RequestEvent, ServiceRequest
from wave.sla.models import EscalationRule, SiteCalendar

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def rule(kind, minutes=None, **fields) -> EscalationRule:
    row = EscalationRule(kind=kind, minutes=minutes, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def told(kind=None) -> dict[str, list[str]]:
    """Who got which notification: {kind: sorted usernames}."""
    query = select(Notification)
    if kind:
        query = query.where(Notification.kind == kind)
    result = {}
    for n in db.session.scalars(query):
        result.setdefault(n.kind, []).append(_username(n.user_id))
    return {k: sorted(v) for k, v in result.items()}


def _username(user_id):
    from wave.auth.models import User

    return db.session.get(User, user_id).username


def events(req, kind) -> list[RequestEvent]:
    return list(
        db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == req.id, RequestEvent.kind == kind)
        )
    )


@pytest.fixture
def office_hours(world):
    db.session.add(SiteCalendar(site_id=world.site.id, hours="Mon-Fri 08:00-18:00"))
    db.session.commit()


def test_a_missed_response_is_recorded_once_and_the_managers_told_once(world, frozen):
    rule("response_breached")
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    assert ticks.run(frozen.advance(minutes=29)) == {}
    assert ticks.run(frozen.advance(minutes=2)) == {"breach:response": 1}
    assert ticks.run(frozen.advance(minutes=5)) == {}
    assert [e.data["target"] for e in events(req, "breached")] == ["response"]
    assert told() == {"response_breached": ["mark"]}
    assert len(events(req, "escalated")) == 1


def test_a_missed_resolution_is_recorded_but_not_while_on_hold(world, frozen):
    rule("resolution_breached")
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    lifecycle.take(req, world.olga)
    frozen.advance(minutes=30)
    lifecycle.hold(req, world.olga, "Waiting for the tenant")
    assert ticks.run(frozen.advance(hours=5)) == {}  # paused: not breached
    lifecycle.start(req, world.olga)  # the hold moved the deadline 5 h on
    assert req.resolution_due_at == berlin(2026, 11, 23, 19, 0)
    assert ticks.run(frozen.at(berlin(2026, 11, 23, 19, 1))) == {"breach:resolution": 1}
    assert told() == {"resolution_breached": ["mark"]}


def test_late_response_found_after_the_fact_is_recorded_without_telling_anyone(world, frozen):
    rule("response_breached")
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    frozen.advance(minutes=40)
    lifecycle.take(req, world.olga)  # answered late, before any tick saw it
    assert ticks.run(frozen.advance(minutes=1)) == {"breach:response": 1}
    assert told() == {}
    assert ticks.run(frozen.advance(minutes=1)) == {}


def test_not_taken_tells_the_team_and_the_managers_once_and_nobody_else(world, frozen):
    rule("not_taken", 15)
    frozen.at(berlin(2026, 11, 23, 10, 0))
    report(world)
    assert ticks.run(frozen.advance(minutes=14)) == {}
    assert ticks.run(frozen.advance(minutes=1)) == {"not_taken": 1}
    assert ticks.run(frozen.advance(minutes=30)) == {"breach:response": 1}
    assert told("not_taken") == {"not_taken": ["mark", "olga", "sam"]}  # not tom (IT), not dina


def test_a_taken_request_does_not_escalate(world, frozen):
    rule("not_taken", 15)
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    lifecycle.take(req, world.sam)
    assert ticks.run(frozen.advance(minutes=20)) == {}
    assert told() == {}


def test_a_business_hours_rule_waits_for_the_morning(world, frozen, office_hours):
    rule("not_taken", 15)
    frozen.at(berlin(2026, 11, 23, 17, 55))  # Monday, five minutes before closing
    report(world)
    for hour in (18, 20, 23, 2, 6):  # through the night: nothing
        moment = berlin(2026, 11, 23 if hour >= 18 else 24, hour, 30)
        assert ticks.run(frozen.at(moment)) == {}, hour
    assert ticks.run(frozen.at(berlin(2026, 11, 24, 8, 5))) == {}  # 5 + 5 working minutes
    assert ticks.run(frozen.at(berlin(2026, 11, 24, 8, 10))) == {"not_taken": 1}


def test_a_24_7_rule_fires_at_night(world, frozen, office_hours):
    rule("not_taken", 15, always=True)
    frozen.at(berlin(2026, 11, 23, 23, 0))
    report(world)
    assert ticks.run(frozen.advance(minutes=15)) == {"not_taken": 1}


def test_breach_at_night_is_recorded_at_once_but_told_in_the_morning(world, frozen):
    rule("response_breached")
    db.session.add(SiteCalendar(site_id=world.site.id, hours="Mon-Fri 08:00-18:00"))
    db.session.commit()
    frozen.at(berlin(2026, 11, 23, 17, 50))
    report(world)  # response due Tue 08:20
    assert ticks.run(frozen.at(berlin(2026, 11, 24, 8, 21))) == {"breach:response": 1}
    assert told() == {"response_breached": ["mark"]}


def test_the_most_specific_rule_applies(world, frozen):
    rule("not_taken", 60)
    rule("not_taken", 5, category_id=world.trash.id)
    rule("not_taken", 30, team_id=world.cleaning.id)
    frozen.at(berlin(2026, 11, 23, 10, 0))
    report(world)
    assert ticks.run(frozen.advance(minutes=5)) == {"not_taken": 1}
    escalated = events(db.session.scalars(select(ServiceRequest)).one(), "escalated")
    assert escalated[0].data["minutes"] == 5


def test_due_soon_reminds_the_assignee_once(world, frozen):
    rule("due_soon", 60)
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    lifecycle.take(req, world.olga)
    assert ticks.run(frozen.advance(minutes=179)) == {}
    assert ticks.run(frozen.advance(minutes=2)) == {"due_soon": 1}
    assert ticks.run(frozen.advance(minutes=10)) == {}
    assert told() == {"due_soon": ["olga"]}


def test_resume_time_reminds_the_assignee_in_working_time(world, frozen, office_hours):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    lifecycle.take(req, world.olga)
    lifecycle.hold(req, world.olga, "Call back", resume_at=berlin(2026, 11, 23, 19, 0))
    assert ticks.run(frozen.at(berlin(2026, 11, 23, 19, 5))) == {}  # after hours
    assert ticks.run(frozen.at(berlin(2026, 11, 24, 8, 0))) == {"resume": 1}
    assert ticks.run(frozen.advance(minutes=5)) == {}
    assert told() == {"resume": ["olga"]}
    assert len(events(req, "reminder")) == 1


def test_unconfirmed_done_work_closes_itself_after_the_set_days(world, frozen):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, 10, [])
    assert ticks.run(frozen.advance(days=2, hours=23)) == {}
    assert ticks.run(frozen.advance(hours=1)) == {"autoclose": 1}
    db.session.refresh(req)
    assert req.status == "closed"
    closing = [e for e in events(req, "status") if e.to_status == "closed"]
    assert len(closing) == 1 and closing[0].data["by"] == "autoclose" and closing[0].public


def test_two_workers_racing_tell_everyone_once(world, frozen, app):
    rule("not_taken", 15)
    rule("response_breached")
    frozen.at(berlin(2026, 11, 23, 10, 0))
    reqs = [report(world, description=f"Bin {i}") for i in range(5)]
    moment = frozen.advance(minutes=45)
    results, errors = at_once(app, lambda: ticks.run(moment))
    assert errors == []
    total = {}
    for r in results:
        for key, count in r.items():
            total[key] = total.get(key, 0) + count
    assert total == {"not_taken": 5, "breach:response": 5}
    count = db.session.scalar(select(func.count()).select_from(Notification))
    assert count == 5 * 3 + 5 * 1  # team of two + manager, then the manager
    for req in reqs:
        assert len(events(req, "breached")) == 1 and len(events(req, "escalated")) == 2


@pytest.mark.parametrize(
    "kind",
    [
        "assigned",
        "new_for_team",
        "not_taken",
        "response_breached",
        "resolution_breached",
        "due_soon",
        "resume",
        "reopened",
    ],
)
def test_no_notification_goes_to_someone_with_no_part_in_the_request(world, kind):
    outsider = make_user("xena", "Xena Other", teams=[world.it])
    db.session.commit()
    req = report(world)
    lifecycle.take(req, world.olga)
    people = recipients.people_for(kind, req)
    assert outsider not in people and world.tom not in people
    assert all(recipients.has_part(p, req) for p in people)


def test_two_worker_processes_started_at_once_tell_everyone_once(world, frozen, test_config):
    """`python -m wave worker --once`, twice at the same moment, on the test database."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, SECRET
    from wave.timeutil import now, set_clock

    rule("not_taken", 15)
    frozen.at(now() - timedelta(minutes=40))
    for i in range(4):
        report(world, description=f"Bin {i}")
    set_clock(None)
    env = {
        **os.environ,
        "WAVE_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
        "WAVE_SECRET_KEY": SECRET,
        "WAVE_UPLOAD_FOLDER": test_config["WAVE_UPLOAD_FOLDER"],
    }
    env.pop("WAVE_REDIS_URL", None)
    command = [sys.executable, "-m", "wave", "worker", "--once"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    db.session.expire_all()
    assert told("not_taken") == {"not_taken": ["mark"] * 4 + ["olga"] * 4 + ["sam"] * 4}
    breaches = db.session.scalar(
        select(func.count()).select_from(RequestEvent).where(RequestEvent.kind == "breached")
    )
    assert breaches == 4
