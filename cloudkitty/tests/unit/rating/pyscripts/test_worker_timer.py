"""The CPU budget of a run, kept by the ticks of the profiling timer
(driven by hand here: no timer runs, no signal is sent)."""

import pytest

from cloudkitty.rating.pyscripts import worker


def runner():
    return worker.Runner(1.0, 256, kernel_limits=False)


def tick(run, times):
    for _ in range(times):
        run.on_sigprof(None, None)


def test_a_run_gets_its_whole_budget_then_stops():
    run = runner()
    run._arm()
    # the first tick may come right after the start: TICKS ticks prove
    # only (TICKS - 1) quarters used
    tick(run, worker.Runner.TICKS)
    with pytest.raises(worker.TimeLimitExceeded):
        tick(run, 1)
    # a script that catches the exception gets it again on every tick
    with pytest.raises(worker.TimeLimitExceeded):
        tick(run, 1)


def test_ticks_of_earlier_runs_do_not_count():
    run = runner()
    for _ in range(10):
        run._arm()
        tick(run, worker.Runner.TICKS)
        run._disarm()
    run._arm()
    tick(run, worker.Runner.TICKS)
    run._disarm()


def test_ticks_between_runs_do_nothing():
    run = runner()
    run._arm()
    tick(run, worker.Runner.TICKS)
    run._disarm()
    tick(run, 10)
    run._arm()
    tick(run, worker.Runner.TICKS)
    with pytest.raises(worker.TimeLimitExceeded):
        tick(run, 1)
