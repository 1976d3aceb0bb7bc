"""Migration f6b2c4d8e0a3: labor entries made before Wave kept their person get the
request's assignee, so the reports credit them as they did before the upgrade."""

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select

from tests.builders import migration
from tests.report_fixture import NOW, at, make
from wave.extensions import db
from wave.reports import figures
from wave.reports.filters import Filters
from wave.requests.models import RequestEvent


def _upgrade() -> None:
    module = migration("f6b2c4d8e0a3")
    with db.engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            module.upgrade()


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
