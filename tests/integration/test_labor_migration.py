"""Migration f6b2c4d8e0a3: labor entries made before Wave kept their person get the
request's assignee, so the reports credit them as they did before the upgrade. Migration
a7c9e1f3b5d2: every labor entry's minutes and person become columns of its own."""

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from tests.builders import migration
from tests.report_fixture import NOW, at, make
from wave.extensions import db
from wave.reports import figures
from wave.reports.filters import Filters
from wave.requests.models import RequestEvent


def _run(revision: str, step: str = "upgrade") -> None:
    module = migration(revision)
    with db.engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            getattr(module, step)()


def _upgrade() -> None:
    _run("f6b2c4d8e0a3")


def test_old_labor_entries_get_the_requests_assignee(world, frozen):
    frozen.at(NOW)
    mine = make(world, "old", at(6, 2, 8), "trash", world.room, who=world.sam, answered=5,
                resolved=60, labor=[(at(6, 2, 9), 40)])  # fmt: skip
    nobodys = make(world, "unassigned", at(6, 3, 8), "wet", world.room)
    # As entries were written before the upgrade: minutes only.
    entries = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "labor")).all()
    for entry in entries:
        entry.data = {"minutes": entry.data["minutes"]}
    db.session.add(RequestEvent(request_id=nobodys.id, kind="labor", data={"minutes": 5},
                                created_at=at(6, 3, 9)))  # fmt: skip
    db.session.commit()

    _upgrade()

    db.session.expire_all()
    data = {
        e.request_id: e.data
        for e in db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "labor"))
    }
    assert data == {
        mine.id: {"minutes": 40, "assignee_id": world.sam.id},
        nobodys.id: {"minutes": 5, "assignee_id": None},
    }
    june = Filters.build(at(6, 1).date(), at(6, 20).date(), now=NOW)
    assert [(r.name, r.labor) for r in figures.scorecard(june)] == [("Sam Okafor", 40)]
    assert figures.summary(june).labor == 45


def test_labor_entries_made_before_the_columns_get_them(world, frozen):
    frozen.at(NOW)
    make(world, "old", at(6, 2, 8), "trash", world.room, who=world.sam, answered=5,
         resolved=60, labor=[(at(6, 2, 9), 40), (at(6, 2, 10), 15, world.olga)])  # fmt: skip
    db.session.commit()
    _run("a7c9e1f3b5d2", "downgrade")
    columns = {c["name"] for c in sa_inspect(db.engine).get_columns("request_events")}
    assert "labor_minutes" not in columns
    # An entry written while the columns were not there: data only.
    request_id = db.session.scalar(select(RequestEvent.request_id).limit(1))
    db.session.execute(
        text(
            "INSERT INTO request_events (request_id, kind, data, public, created_at)"
            " VALUES (:request_id, 'labor', :data, false, :at)"
        ),
        {"request_id": request_id, "data": '{"minutes": 5, "assignee_id": null}', "at": at(6, 3)},
    )
    db.session.commit()

    _run("a7c9e1f3b5d2")

    rows = db.session.execute(
        text(
            "SELECT kind, labor_minutes, labor_assignee_id FROM request_events"
            " WHERE labor_minutes IS NOT NULL OR labor_assignee_id IS NOT NULL"
            " ORDER BY labor_minutes"
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("labor", 5, None),
        ("labor", 15, world.olga.id),
        ("labor", 40, world.sam.id),
    ]
    june = Filters.build(at(6, 1).date(), at(6, 20).date(), now=NOW)
    assert figures.summary(june).labor == 60
    assert {(r.name, r.labor) for r in figures.scorecard(june)} == {
        ("Sam Okafor", 40),
        ("Olga Petrova", 15),
    }
