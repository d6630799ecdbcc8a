"""A period given up ([orchestrator] skip_period_after_failures) on the
real storage: the state moves past it, nothing is stored for it, and the
periods after it are rated; on SQLite, PostgreSQL and MariaDB."""

from cloudkitty.orchestrator import worker as ck_worker
from cloudkitty import storage
from cloudkitty.storage import state
from cloudkitty.tests.unit.orchestrator import test_worker as tw


def test_skipped_period_moves_state_and_stores_nothing(conf, db,
                                                       admin_context):
    conf.set_override('first_period_start', tw.T0.isoformat(), 'collect')
    conf.set_override('collector', 'gnocchi', 'collect')
    conf.set_override('backend', 'file', 'fetcher')
    coll = tw.Collector({'cpu': None},
                        {('cpu', 's1', tw.T0 + n * tw.H): [n + 1]
                         for n in range(3)},
                        fail={('cpu', tw.T0 + tw.H)})
    backend = storage.get_storage(conf)
    w = ck_worker.Worker(conf, admin_context, coll, tw.Pipeline(), backend,
                         state.get_state, clock=lambda: tw.T0 + 5 * tw.H)
    try:
        w.process_scope('s1')
    except ck_worker.ScopeFailed as err:
        assert err.start == tw.T0 + tw.H
    assert w.skip_period('s1', tw.T0 + 2 * tw.H) is False
    assert w.skip_period('s1', tw.T0 + tw.H) is True
    assert w.skip_period('s1', tw.T0 + tw.H) is False
    assert w.process_scope('s1').periods == 1
    rows = list(backend.iter_dataframes(admin_context, tw.T0,
                                        tw.T0 + 3 * tw.H))
    assert [(r.begin, r.qty) for r in rows] == [(tw.T0, 1),
                                               (tw.T0 + 2 * tw.H, 3)]
    assert backend.tenants(admin_context, tw.T0, tw.T0 + 3 * tw.H) == [
        's1']
    assert state.get_state(admin_context, 's1').last_processed_timestamp \
        == tw.T0 + 2 * tw.H
