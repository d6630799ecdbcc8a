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
    expected = collections.defaultdict(lambda: [0, D(0), D(0), None])
    with engine.connect() as conn:
        for row in conn.execute(sa.select(models.points)):
            key = (row.scope_id, row.begin.date(), row.type)
            bucket = expected[key]
            bucket[0] += 1
            bucket[1] += row.qty
            bucket[2] += row.price
            bucket[3] = max(bucket[3] or row.end, row.end)
        actual = {(r.scope_id, r.day, r.type): r
                  for r in conn.execute(sa.select(models.daily))}
    assert set(actual) == set(expected)
    for key, (n, qty, price, max_end) in expected.items():
        row = actual[key]
        assert (row.n, row.qty, row.price) == (n, qty, price), key
        # max_end may overstate after deletions, never understate
        assert row.max_end >= max_end, key


def test_rollup_follows_every_write(db, conf, admin_context):
    backend = storage.get_storage(conf)
    t0 = datetime.datetime(2025, 3, 1, 22, tzinfo=UTC)
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
    backend.purge(admin_context, t0 + 28 * HOUR)
    _check(db)
    # left: T's hours 28 and 29 (everything else was deleted or purged)
    assert backend.total(admin_context, '2025-01-01', '2025-12-31') == \
        D('0.3') * 2
