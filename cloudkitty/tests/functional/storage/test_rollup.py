"""The daily rollup always equals the GROUP BY of the points it sums.

Runs a sequence of every kind of write (push, re-push, push_many, append,
delete, reset, purge) on the three databases and compares, after each, the
whole ``storage_daily`` table with sums recomputed here from
``storage_points``.
"""

import collections
import datetime
import decimal

import sqlalchemy as sa

from cloudkitty import dataframe
from cloudkitty import storage
from cloudkitty.storage import models
from cloudkitty.storage import state
from cloudkitty.tests.functional.storage import seed

D = decimal.Decimal
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)


def _frame(start, prices, scope='S', type_='cpu'):
    return dataframe.DataFrame(start, start + HOUR, {type_: [
        dataframe.DataPoint('u', '1.5', D(p), groupby={'project_id': scope})
        for p in prices]})


def _check(engine):
    expected = {level: collections.defaultdict(
        lambda: [0, D(0), D(0), None]) for level in ('daily', 'monthly')}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(models.points)):
            day = row.begin.date()
            for level, key in (
                    ('daily', (row.scope_id, day, row.type)),
                    ('monthly', (row.scope_id, day.replace(day=1),
                                 row.type))):
                bucket = expected[level][key]
                bucket[0] += 1
                bucket[1] += row.qty
                bucket[2] += row.price
                bucket[3] = max(bucket[3] or row.end, row.end)
        for level, table in (('daily', models.daily),
                             ('monthly', models.monthly)):
            actual = {(r.scope_id, r.day, r.type): r
                      for r in conn.execute(sa.select(table))}
            assert set(actual) == set(expected[level]), level
            for key, (n, qty, price, max_end) in expected[level].items():
                row = actual[key]
                assert (row.n, row.qty, row.price) == (n, qty, price), key
                # max_end may overstate after deletions, never understate
                assert row.max_end >= max_end, key


def test_rollup_follows_every_write(db, conf, admin_context):
    backend = storage.get_storage(conf)
    # S and T cross a day and a month boundary (Feb 28 -> Mar 1)
    t0 = datetime.datetime(2025, 2, 28, 22, tzinfo=UTC)
    for hour in range(4):
        backend.push(admin_context, 'S', _frame(t0 + hour * HOUR,
                                                ['1.1', '2.2']))
    _check(db)
    backend.push(admin_context, 'S', _frame(t0 + HOUR, ['9']))
    backend.push(admin_context, 'S', _frame(t0 + 2 * HOUR, ['4'],
                                            type_='ram'))
    _check(db)
    backend.push_many(admin_context, [
        ('T', _frame(t0 + hour * HOUR, ['0.3'], scope='T'))
        for hour in range(30)])
    backend.append(admin_context, seed.v2_example_frames())
    _check(db)
    backend.delete(admin_context, scope_ids=['T'],
                   begin=t0 + 3 * HOUR, end=t0 + 27 * HOUR)
    _check(db)
    state.reset(admin_context, ['S'], t0 + 3 * HOUR, period=3600)
    _check(db)
    backend.push_many(admin_context, [
        ('U', _frame(datetime.datetime(2025, 1, 1, tzinfo=UTC)
                     + day * 24 * HOUR, ['0.5'], scope='U'))
        for day in range(0, 70, 3)])
    _check(db)
    backend.delete(admin_context, scope_ids=['U'],
                   begin=datetime.datetime(2025, 1, 10, 5, tzinfo=UTC),
                   end=datetime.datetime(2025, 2, 20, tzinfo=UTC))
    _check(db)
    backend.purge(admin_context, t0 + 28 * HOUR)
    _check(db)
    # left: T's hours 28 and 29, U's days 63, 66 and 69
    assert backend.total(admin_context, '2025-01-01', '2025-12-31') == \
        D('0.3') * 2 + D('0.5') * 3
    for begin, end in (('2025-01-01', '2025-04-01'),
                       ('2025-03-02T01:00:00', '2025-03-12T13:00:00'),
                       ('2025-02-15', '2025-03-31')):
        listed = backend.dataframes(admin_context, begin, end)
        assert backend.total(admin_context, begin, end) == sum(
            (r.price for r in listed), D(0))


def test_repush_of_several_scopes_and_periods(db, conf, admin_context):
    # one push_many replacing periods with different sets of scopes (one
    # filter term per set), across a month boundary
    backend = storage.get_storage(conf)
    t0 = datetime.datetime(2025, 3, 31, 22, tzinfo=UTC)
    backend.push_many(admin_context, [
        (scope, _frame(t0 + hour * HOUR, ['1', '2'], scope=scope))
        for scope in 'STU' for hour in range(4)])
    _check(db)
    backend.push_many(admin_context, [
        ('S', _frame(t0 + HOUR, ['5'])),
        ('T', _frame(t0 + HOUR, ['6'], scope='T')),
        ('S', _frame(t0 + 2 * HOUR, [])),
        ('T', _frame(t0 + 2 * HOUR, ['7'], scope='T')),
        ('U', _frame(t0 + 3 * HOUR, ['8'], scope='U', type_='ram')),
        ('S', _frame(t0 + 4 * HOUR, ['9']))])
    _check(db)
    rows = backend.dataframes(admin_context, t0, t0 + 5 * HOUR,
                              window=storage.WINDOW_V2)
    got = sorted((r.scope_id, int((r.begin - t0) / HOUR), r.type, r.price)
                 for r in rows)
    old = [D(1), D(2)]
    expected = sorted(
        [('S', 0, 'cpu', p) for p in old] + [('S', 1, 'cpu', D(5))]
        + [('S', 3, 'cpu', p) for p in old] + [('S', 4, 'cpu', D(9))]
        + [('T', 0, 'cpu', p) for p in old] + [('T', 1, 'cpu', D(6))]
        + [('T', 2, 'cpu', D(7))] + [('T', 3, 'cpu', p) for p in old]
        + [('U', h, 'cpu', p) for h in range(3) for p in old]
        + [('U', 3, 'ram', D(8))])
    assert got == expected
    assert backend.total(admin_context, t0, t0 + 5 * HOUR) == sum(
        (e[3] for e in expected), D(0))
