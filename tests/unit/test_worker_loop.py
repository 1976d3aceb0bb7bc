"""The worker loop goes on after a failing tick, and `python -m wave worker` is wired."""

import pytest

from wave.jobs import worker


class Stop(Exception):
    pass


def test_a_failing_tick_is_logged_and_the_loop_goes_on(app, monkeypatch, caplog):
    calls = []

    def tick():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return {"not_taken": 2}

    def sleep(seconds):
        assert seconds == 7
        if len(calls) == 3:
            raise Stop

    monkeypatch.setattr(worker, "tick", tick)
    with pytest.raises(Stop):
        worker.run_forever(app, 7, sleep=sleep)
    assert len(calls) == 3
    assert "worker tick failed" in caplog.text and "database went away" in caplog.text


def test_worker_command_runs_one_tick(app, capsys):
    from wave.__main__ import work

    assert work(app, once=True) == 0
    assert "nothing to do" in capsys.readouterr().out
