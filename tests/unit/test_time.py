from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from wave.extensions import db
from wave.qr.models import Site
from wave.timeutil import now


def test_now_is_aware_utc():
    assert now().tzinfo is UTC


def test_datetimes_come_back_aware_utc(app):
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    db.session.add(Site(name="S", archived_at=moment))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Site.archived_at))
    assert stored == moment and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(app):
    db.session.add(Site(name="S", archived_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()
