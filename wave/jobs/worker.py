"""`python -m wave worker`: the ticks, every WAVE_WORKER_INTERVAL seconds.

Run one worker beside the web processes (more are safe: every action is claimed once in the
database). With WAVE_REDIS_URL set its notifications reach open pages live through the
Socket.IO message queue. `make run` runs the same loop inside the single demo process.
"""

import time

from wave.extensions import db, socketio
from wave.files import cleanup
from wave.jobs import ticks
from wave.notify import delivery, mail
from wave.timeutil import now


def tick() -> dict[str, int]:
    """One round, in the current app context: the SLA ticks, then whatever pushes and e-mails
    are still waiting (a send that failed or a process that died after commit)."""
    done = ticks.run(now())
    deleted = {
        "deleted:photos": cleanup.delete_unclaimed_photos(now()),
        "deleted:imports": cleanup.delete_old_imports(now()),
        "deleted:emails": mail.prune(now()),
    }
    done.update((key, count) for key, count in deleted.items() if count)
    for channel, sent in delivery.send_pending().items():
        if sent:
            done[f"sent:{channel}"] = sent
    return done


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
