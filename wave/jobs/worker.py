"""`python -m wave worker`: the ticks, every WAVE_WORKER_INTERVAL seconds.

Run one worker beside the web processes (more are safe: every action is claimed once in the
database). With WAVE_REDIS_URL set its notifications reach open pages live through the
Socket.IO message queue. `make run` runs the same loop inside the single demo process.
"""

import time
from datetime import datetime, timedelta

from flask import current_app

from wave.extensions import db, socketio
from wave.files import cleanup
from wave.jobs import ticks
from wave.notify import delivery, mail
from wave.plans import services as plans
from wave.timeutil import now


def tick() -> dict[str, int]:
    """One round, in the current app context: the SLA ticks, planned maintenance due, then
    whatever pushes and e-mails are still waiting (a send that failed or a process that died
    after commit)."""
    done = ticks.run(now())
    if planned := plans.run_due(now()):
        done["created:planned"] = planned
    deleted = {
        "deleted:photos": cleanup.delete_unclaimed_photos(now()),
        "deleted:imports": cleanup.delete_old_imports(now()),
        "deleted:emails": mail.prune(now()),
    }
    done.update((key, count) for key, count in deleted.items() if count)
    for channel, sent in delivery.send_pending().items():
        if sent:
            done[f"sent:{channel}"] = sent
    refresh_statistics(now())
    return done


STATISTICS_EVERY = timedelta(days=1)
STATISTICS_AT = "wave.statistics_at"
"""app.extensions key: when this process last gathered SQLite's statistics."""


def refresh_statistics(moment: datetime) -> bool:
    """On SQLite, gather the query planner's statistics at the first tick and then daily
    (sampled: milliseconds). Without them SQLite passes over the partial index of open work
    that the inbox's "all open" tab is written for. PostgreSQL's autovacuum does this itself."""
    if db.engine.dialect.name != "sqlite" or not current_app.config["WAVE_SQLITE_STATISTICS"]:
        return False
    last = current_app.extensions.get(STATISTICS_AT)
    if last is not None and timedelta(0) <= moment - last < STATISTICS_EVERY:
        return False
    with db.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
        connection.exec_driver_sql("ANALYZE")
    current_app.extensions[STATISTICS_AT] = moment
    return True


def run_forever(app, interval: float, sleep=time.sleep) -> None:
    """Tick until the process ends; an error in one tick is logged and the next goes on."""
    while True:
        with app.app_context():
            try:
                done = tick()
                if done:
                    app.logger.info("worker tick: %s", done)
            except Exception:
                app.logger.exception("worker tick failed")
                db.session.rollback()
            finally:
                db.session.remove()
        sleep(interval)


def start_in_process(app) -> None:
    """The worker as a background task of this (single, demo) server process."""
    socketio.start_background_task(
        run_forever, app, app.config["WAVE_WORKER_INTERVAL"], sleep=socketio.sleep
    )
