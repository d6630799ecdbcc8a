"""The storage contract: every backend runs these tests (Kinto-style).

A backend's test module subclasses :class:`StorageContract` and provides a
``backend`` fixture returning a ready :class:`BaseStorage` on a real,
empty database. Numbers come from the v1 spec (§3.6, §3.7, §7.4) and the
v2 spec (Appendix A), computed from the seeded data, never from the code.
"""

import contextlib
import datetime
import decimal
import types

import pytest
import sqlalchemy as sa

from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty import storage
from cloudkitty.tests.functional.storage import seed

D = decimal.Decimal
UTC = datetime.UTC
A, B, C = seed.TENANT_A, seed.TENANT_B, seed.TENANT_C
JAN1 = '2015-01-01T00:00:00'
FEB4 = '2015-02-04T00:00:00'


def _dt(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextlib.contextmanager
def failing_writes(engine, table):
    """A database trigger makes every INSERT/UPDATE of ``table`` fail."""
    dialect = engine.dialect.name
    if dialect == 'postgresql':
        create = [
            "CREATE FUNCTION ck_fail() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER ck_fail BEFORE INSERT OR UPDATE ON %s "
            "FOR EACH ROW EXECUTE FUNCTION ck_fail()" % table]
        drop = ['DROP TRIGGER ck_fail ON %s' % table,
                'DROP FUNCTION ck_fail()']
    elif dialect == 'sqlite':
        create = ["CREATE TRIGGER ck_fail_%s BEFORE %s ON %s BEGIN "
                  "SELECT RAISE(ABORT, 'injected failure'); END"
                  % (op, op, table) for op in ('INSERT', 'UPDATE')]
        drop = ['DROP TRIGGER ck_fail_%s' % op for op in ('INSERT', 'UPDATE')]
    else:
        create = ["CREATE TRIGGER ck_fail_%s BEFORE %s ON %s FOR EACH ROW "
                  "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = "
                  "'injected failure'" % (op, op, table)
                  for op in ('INSERT', 'UPDATE')]
        drop = ['DROP TRIGGER ck_fail_%s' % op for op in ('INSERT', 'UPDATE')]
    with engine.begin() as conn:
        for sql in create:
            conn.execute(sa.text(sql))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for sql in drop:
                conn.execute(sa.text(sql))


class StorageContract:
    """Behaviour every storage backend must have."""

    @pytest.fixture
    def seeded(self, backend, admin_context):
        seed.appendix_a(backend, admin_context)
        return backend

    # -- v1 report/total (§3.6.2) ----------------------------------------

    @pytest.mark.parametrize('kwargs,expected', [
        ({}, '244.944'),
        ({'scope_ids': [A]}, '163.296'),
        ({'scope_ids': [B]}, '81.648'),
        ({'types': ['cpu']}, '224.616'),
        ({'types': ['image.size']}, '20.328'),
        ({'scope_ids': [B], 'types': ['cpu']}, '74.872'),
    ])
    def test_total_of_the_seeded_month(self, seeded, admin_context, kwargs,
                                       expected):
        total = seeded.total(admin_context, JAN1, FEB4, **kwargs)
        assert isinstance(total, D)
        assert str(total) == expected

    def test_total_outside_data_and_reversed_window(self, seeded,
                                                    admin_context):
        assert seeded.total(admin_context, '2015-02-01', '2015-03-01') == 0
        assert seeded.total(admin_context, FEB4, JAN1) == 0
        assert seeded.total(admin_context, JAN1, FEB4,
                            scope_ids=['nosuch']) == 0

    def test_total_defaults_to_the_current_month(self, seeded,
                                                 admin_context):
        # tenant C: 12 hours x 2.916 from the start of the current month
        assert seeded.total(admin_context, None, None) == D('34.992')

    # -- v1 report/summary (§3.6.3, §7.4) ---------------------------------

    def _summary(self, backend, context, groupby, **kwargs):
        result = backend.summary(context, JAN1, FEB4, groupby=groupby,
                                 **kwargs)
        return sorted((tuple(r.groups.values()), str(r.price))
                      for r in result.rows)

    def test_summary_by_tenant(self, seeded, admin_context):
        assert self._summary(seeded, admin_context, ['scope_id']) == [
            ((B,), '81.648'), ((A,), '163.296')]
        assert self._summary(seeded, admin_context, ['scope_id'],
                             types=['cpu']) == [
            ((B,), '74.872'), ((A,), '149.744')]

    def test_summary_by_type(self, seeded, admin_context):
        assert self._summary(seeded, admin_context, ['type']) == [
            (('cpu',), '224.616'), (('image.size',), '20.328')]
        assert self._summary(seeded, admin_context, ['type'],
                             scope_ids=[A]) == [
            (('cpu',), '149.744'), (('image.size',), '13.552')]

    def test_summary_by_type_and_tenant(self, seeded, admin_context):
        rows = self._summary(seeded, admin_context, ['type', 'scope_id'])
        assert sorted(price for _, price in rows) == [
            '13.552', '149.744', '6.776', '74.872']
        assert ((('image.size', B), '6.776')) in rows

    def test_summary_without_grouping(self, seeded, admin_context):
        result = seeded.summary(admin_context, JAN1, FEB4)
        assert result.total == 1 and result.columns == []
        row = result.rows[0]
        assert (row.price, row.qty) == (D('244.944'), D(336))
        assert (row.begin, row.end) == (_dt(JAN1), _dt(FEB4))
        empty = seeded.summary(admin_context, '2015-02-01', '2015-03-01')
        assert (empty.total, empty.rows) == (0, [])
        grouped = seeded.summary(admin_context, FEB4, JAN1,
                                 groupby=['type'])
        assert (grouped.total, grouped.rows) == (0, [])

    # -- v1 report/tenants (§3.6.1) ----------------------------------------

    def test_tenants(self, seeded, admin_context):
        assert seeded.tenants(admin_context, '2015-01-04T00:00:00',
                              '2015-01-05T00:00:00') == sorted([A, B])
        assert seeded.tenants(admin_context, None, None) == [C]
        assert seeded.tenants(admin_context, '2015-02-01', '2015-03-01') == []

    # -- v1 storage/dataframes (§3.7) -------------------------------------

    @pytest.mark.parametrize('begin,end,kwargs,expected', [
        (JAN1, '2015-01-04T00:00:00', {}, 0),
        (JAN1, '2015-01-04T00:00:00', {'scope_ids': [A]}, 0),
        (None, '2015-01-04T00:00:00', {}, 0),
        ('2015-01-04T00:00:00', None, {'scope_ids': [A]}, 224),
        (None, None, {'scope_ids': [C]}, 48),
        (FEB4, JAN1, {}, 0),
        ('2015-01-04T13:00:00', '2015-01-04T14:00:00', {'scope_ids': [A]},
         4),
        ('2015-01-04T13:00:00', '2015-01-04T14:00:00', {}, 8),
        ('2015-01-04T13:00:00', '2015-01-04T14:00:00',
         {'scope_ids': [A], 'types': ['cpu']}, 2),
        ('2015-01-04T13:00:00', '2015-01-04T14:00:00',
         {'scope_ids': [A], 'types': ['volume']}, 0),
    ])
    def test_dataframes_counts(self, seeded, admin_context, begin, end,
                               kwargs, expected):
        rows = seeded.dataframes(admin_context, begin, end, **kwargs)
        assert len(rows) == expected
        assert seeded.count_dataframes(admin_context, begin, end,
                                       **kwargs) == expected

    def test_dataframe_content(self, seeded, admin_context):
        rows = seeded.dataframes(admin_context, '2015-01-04T13:00:00',
                                 '2015-01-04T14:00:00', scope_ids=[A])
        assert [(r.type, str(r.price), str(r.qty)) for r in rows] == [
            ('cpu', '1.337', '1'), ('cpu', '1.337', '1'),
            ('image.size', '0.121', '1'), ('image.size', '0.121', '1')]
        first = rows[0]
        assert first.scope_id == A and first.unit == 'nothing'
        assert (first.begin, first.end) == (_dt('2015-01-04T13:00:00'),
                                            _dt('2015-01-04T14:00:00'))
        # JSON types survive: number 1.0 and boolean true (v1 §2.7)
        assert first.groupby == {'fake_meta': 1.0, 'project_id': A}
        assert first.metadata == {'dummy': True}
        assert first.desc == {'fake_meta': 1.0, 'project_id': A,
                              'dummy': True}

    def test_dataframes_order(self, seeded, admin_context):
        rows = seeded.dataframes(admin_context, '2015-01-04T13:00:00',
                                 '2015-01-04T15:00:00')
        keys = [(r.begin, r.scope_id, r.id) for r in rows]
        assert keys == sorted(keys) and len(keys) == 16
        rows = seeded.dataframes(admin_context, '2015-01-04T13:00:00',
                                 '2015-01-04T15:00:00',
                                 window=storage.WINDOW_V2,
                                 order=storage.ORDER_V2)
        keys = [(r.begin, r.type, r.id) for r in rows]
        assert keys == sorted(keys) and len(keys) == 16

    def test_iter_dataframes_pages_through_everything(self, seeded,
                                                      admin_context):
        listed = seeded.dataframes(admin_context, JAN1, FEB4)
        streamed = list(seeded.iter_dataframes(admin_context, JAN1, FEB4,
                                               chunk=7))
        assert [r.id for r in streamed] == [r.id for r in listed]
        assert len(listed) == 336

    def test_window_rules(self, seeded, admin_context):
        # v1: a row crossing a bound is out; v2: its begin decides
        kwargs = {'scope_ids': [A]}
        assert seeded.count_dataframes(
            admin_context, '2015-01-04T13:30:00', '2015-01-04T15:00:00',
            **kwargs) == 4
        assert seeded.count_dataframes(
            admin_context, '2015-01-04T13:00:00', '2015-01-04T14:30:00',
            window=storage.WINDOW_V2, **kwargs) == 8
        assert seeded.count_dataframes(
            admin_context, '2015-01-04T13:00:00', '2015-01-04T14:30:00',
            **kwargs) == 4

    @pytest.mark.parametrize('window', storage.WINDOWS)
    @pytest.mark.parametrize('begin,end', [
        ('2015-01-04T15:00:00', '2015-01-05T10:30:00'),
        ('2015-01-03T00:00:00', '2015-01-06T00:00:00'),
        ('2015-01-04T13:00:00', '2015-01-06T21:00:00'),
        ('2015-01-05T00:00:00', '2015-01-07T00:00:00'),
        ('2015-01-04T23:30:00', '2015-01-06T00:30:00'),
    ])
    def test_rollup_and_points_agree(self, seeded, admin_context, window,
                                     begin, end):
        # the planner mixes rollup days and point edges; compare with a
        # sum computed here from every stored point
        everything = seeded.dataframes(admin_context, '2000-01-01',
                                       '2100-01-01')
        lo, hi = _dt(begin), _dt(end)
        if window == storage.WINDOW_V1:
            inside = [r for r in everything if lo <= r.begin and r.end <= hi]
        else:
            inside = [r for r in everything if lo <= r.begin < hi]
        expected = sum((r.price for r in inside), D(0))
        assert seeded.total(admin_context, begin, end,
                            window=window) == expected
        by_scope = seeded.summary(admin_context, begin, end,
                                  groupby=['scope_id'], window=window)
        assert {r.groups['scope_id']: r.price for r in by_scope.rows} == {
            s: sum((r.price for r in inside if r.scope_id == s), D(0))
            for s in {r.scope_id for r in inside}}

    def test_v1_window_and_periods_crossing_midnight(self, backend,
                                                      admin_context):
        # a 2-hour period 23:00-01:00 lives in the rollup bucket of its
        # begin day, but v1 windows ending before 01:00 must leave it out
        start = _dt('2025-01-01T21:00:00')
        backend.push(admin_context, 'S1', self._frame(
            '2025-01-01T21:00:00', ['1']))
        backend.push(admin_context, 'S1', dataframe.DataFrame(
            start + 2 * seed.HOUR, start + 4 * seed.HOUR,
            {'cpu': [dataframe.DataPoint('u', 1, 10)]}))
        backend.push(admin_context, 'S2', self._frame(
            '2025-01-01T21:00:00', ['100'], scope='S2'))
        for end, expected in (('2025-01-02T00:00:00', 101),
                              ('2025-01-02T00:30:00', 101),
                              ('2025-01-02T01:00:00', 111)):
            assert backend.total(admin_context, '2025-01-01', end) == \
                expected, end
            assert backend.tenants(admin_context, '2025-01-01', end) == [
                'S1', 'S2']
            assert {r.groups['scope_id']: r.price for r in backend.summary(
                admin_context, '2025-01-01', end,
                groupby=['scope_id']).rows} == {'S1': expected - 100,
                                                 'S2': 100}
        assert backend.total(admin_context, '2025-01-01', '2025-01-02T00:30',
                             window=storage.WINDOW_V2) == 111

    def test_filters_on_attributes_compare_text(self, seeded,
                                                admin_context):
        for filters in ({'fake_meta': '1.0'}, {'dummy': 'true'},
                        {'project_id': A}):
            result = seeded.summary(admin_context, JAN1, FEB4,
                                    filters=filters)
            expected = '163.296' if 'project_id' in filters else '244.944'
            assert str(result.rows[0].price) == expected, filters
        assert seeded.summary(admin_context, JAN1, FEB4,
                              filters={'dummy': 'false'}).rows == []

    def test_grouping_on_json_values_of_every_type(self, backend,
                                                   admin_context):
        start = _dt('2025-01-01T10:00:00')
        values = ['x', 1.5, True, None, {'a': 1}, 'caf\u00e9 "q"']
        backend.push(admin_context, 'S1', dataframe.DataFrame(
            start, start + seed.HOUR, {'cpu': [
                dataframe.DataPoint('u', 1, 1, groupby={'k': v})
                for v in values] + [dataframe.DataPoint('u', 1, 1)]}))
        result = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                                 groupby=['k'], window=storage.WINDOW_V2)
        groups = {r.groups['k']: r.price for r in result.rows}
        # missing key and JSON null both group under ""
        assert groups.pop('') == 2
        assert set(groups) == {'x', '1.5', 'true', 'caf\u00e9 "q"'} | {
            g for g in groups if g.startswith('{')}
        for text in ('x', '1.5', 'true', 'caf\u00e9 "q"'):
            filtered = backend.summary(admin_context, '2025-01-01',
                                       '2025-01-02', filters={'k': text},
                                       window=storage.WINDOW_V2)
            assert filtered.rows[0].price == 1, text

    # -- v2 worked example (v2 Appendix A) --------------------------------

    @pytest.fixture
    def v2_seeded(self, backend, admin_context):
        backend.append(admin_context, seed.v2_example_frames())
        return backend

    V2_BEGIN = '2025-02-03T00:00:00Z'
    V2_END = '2025-02-05T00:00:00Z'

    def _v2(self, backend, context, **kwargs):
        kwargs.setdefault('window', storage.WINDOW_V2)
        return backend.summary(context, self.V2_BEGIN, self.V2_END,
                               **kwargs)

    def test_v2_summary_by_type(self, v2_seeded, admin_context):
        result = self._v2(v2_seeded, admin_context, groupby=['type'],
                          filters={'project_id': 'P1'})
        assert result.columns == ['type']
        assert [(r.groups['type'], r.qty, r.price) for r in result.rows] == [
            ('image.size', 20, D('0.2')), ('instance', 3, D('1.5'))]

    def test_v2_summary_by_day(self, v2_seeded, admin_context):
        result = self._v2(v2_seeded, admin_context, groupby=['time-d'],
                          filters={'project_id': ['P1']})
        assert result.columns == ['day_of_the_year']
        assert [(r.groups['day_of_the_year'], r.qty, r.price)
                for r in result.rows] == [('34', 12, D('1.1')),
                                          ('35', 11, D('0.6'))]

    def test_v2_summary_by_period(self, v2_seeded, admin_context):
        result = v2_seeded.summary(
            admin_context, '2025-02-03T00:00:00Z', '2025-02-03T02:00:00Z',
            groupby=['time'], filters={'project_id': 'P1'},
            window=storage.WINDOW_V2)
        assert result.columns == []
        assert [(r.begin.hour, r.end.hour, r.price) for r in result.rows] == [
            (0, 1, D('0.6')), (1, 2, D('0.5'))]

    def test_v2_summary_by_project_and_paging(self, v2_seeded,
                                              admin_context):
        result = self._v2(v2_seeded, admin_context, groupby=['project_id'],
                          filters={'type': 'instance'})
        assert [(r.groups['project_id'], r.qty, r.price)
                for r in result.rows] == [('P1', 3, D('1.5')),
                                          ('P2', 4, D('2.5')),
                                          ('P3', 3, D('2.25'))]
        page = self._v2(v2_seeded, admin_context, groupby=['project_id'],
                        offset=1, limit=1)
        assert page.total == 3
        assert [r.groups['project_id'] for r in page.rows] == ['P2']

    def test_v2_summary_by_any_key(self, v2_seeded, admin_context):
        result = self._v2(v2_seeded, admin_context,
                          groupby=['type', 'id', 'nosuchkey'],
                          filters={'flavor_name': 'm1.small',
                                   'project_id': ['P2', 'P3']})
        assert result.columns == ['type', 'id', 'nosuchkey']
        assert [(r.groups['id'], r.groups['nosuchkey'], r.price)
                for r in result.rows] == [('res-P2-2', '', D('2.5')),
                                          ('res-P3-1', '', D('2.25'))]

    def test_aggregates_are_numeric_and_exact(self, backend,
                                              admin_context):
        # on SQLite amounts are text: "9" > "10" there, 9 < 10 here
        start = _dt('2025-01-01T10:00:00')
        hours = [('9', '0.1'), ('10', '0.2'), ('10', '0.3'), ('0.5', '3')]
        for n, (qty, price) in enumerate(hours):
            backend.push(admin_context, 'S1', dataframe.DataFrame(
                start + n * seed.HOUR, start + (n + 1) * seed.HOUR,
                {'cpu': [dataframe.DataPoint('u', qty, price)]}))
        asked = [(func, field) for func in storage.AGGREGATES
                 for field in storage.AGGREGATED_FIELDS]
        result = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                                 groupby=['type'], aggregates=asked,
                                 window=storage.WINDOW_V2)
        (row,) = result.rows
        got = dict(zip(asked, row.values, strict=True))
        qtys = [D(q) for q, _ in hours]
        prices = [D(p) for _, p in hours]
        assert got == {
            ('SUM', 'qty'): sum(qtys), ('SUM', 'price'): sum(prices),
            ('MAX', 'qty'): 10, ('MAX', 'price'): 3,
            ('MIN', 'qty'): D('0.5'), ('MIN', 'price'): D('0.1'),
            ('MEAN', 'qty'): D('7.375'), ('MEAN', 'price'): D('0.9'),
            ('COUNT', 'qty'): 4, ('COUNT', 'price'): 4,
            ('FIRST', 'qty'): 9, ('FIRST', 'price'): D('0.1'),
            ('LAST', 'qty'): D('0.5'), ('LAST', 'price'): 3}
        assert type(got[('COUNT', 'qty')]) is int
        assert (row.qty, row.price) == (sum(qtys), sum(prices))
        # a mean that does not end: rounded to the amount scale
        mean = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                               aggregates=[('MEAN', 'price')],
                               filters={'type': 'cpu'},
                               window=storage.WINDOW_V2).rows[0].values
        assert mean == (D('0.9'),)
        thirds = backend.summary(
            admin_context, '2025-01-01T11:00', '2025-01-01T14:00',
            aggregates=[('MEAN', 'qty')],
            window=storage.WINDOW_V2).rows[0].values[0]
        assert str(thirds) == '6.833333333333333333'      # 20.5 / 3
        sums_only = backend.summary(
            admin_context, '2025-01-01', '2025-01-02',
            aggregates=[('SUM', 'price'), ('SUM', 'qty')],
            window=storage.WINDOW_V2).rows[0]
        assert sums_only.values == (sum(prices), sum(qtys))

    def test_v2_bad_time_groupby(self, v2_seeded, admin_context):
        with pytest.raises(storage.InvalidGroupBy) as err:
            self._v2(v2_seeded, admin_context, groupby=['time-x'])
        assert isinstance(err.value, exception.Invalid)
        assert '[time-x]' in str(err.value)
        result = self._v2(v2_seeded, admin_context, groupby=['time-d-x'])
        assert result.columns == ['time-d-x']

    def test_v2_dataframes_paging(self, v2_seeded, admin_context):
        kwargs = {'filters': {'project_id': 'P1'},
                  'window': storage.WINDOW_V2, 'order': storage.ORDER_V2}
        rows = v2_seeded.dataframes(admin_context, self.V2_BEGIN,
                                    self.V2_END, **kwargs)
        assert len(rows) == 5
        assert [r.type for r in rows] == ['image.size', 'instance',
                                          'instance', 'image.size',
                                          'instance']
        page = v2_seeded.dataframes(admin_context, self.V2_BEGIN,
                                    self.V2_END, offset=1, limit=2, **kwargs)
        assert [r.id for r in page] == [r.id for r in rows[1:3]]
        assert len(v2_seeded.dataframes(admin_context, self.V2_BEGIN,
                                        self.V2_END, offset=4, limit=10,
                                        **kwargs)) == 1

    # -- exactly once (§8.2) --------------------------------------------------

    def _frame(self, start, prices, scope='S1', type_='cpu'):
        start = _dt(start)
        return dataframe.DataFrame(start, start + seed.HOUR, {type_: [
            dataframe.DataPoint('u', 1, D(p), groupby={'project_id': scope})
            for p in prices]})

    def test_push_sets_the_state_and_repush_replaces(self, backend,
                                                     admin_context):
        from cloudkitty.storage import state
        frame = self._frame('2025-01-01T10:00:00', ['1', '2'])
        backend.push(admin_context, 'S1', frame, fetcher='f',
                     collector='c')
        st = state.get_state(admin_context, 'S1')
        assert st.last_processed_timestamp == _dt('2025-01-01T10:00:00')
        assert (st.fetcher, st.collector, st.active) == ('f', 'c', True)
        backend.push(admin_context, 'S1', self._frame(
            '2025-01-01T10:00:00', ['5'], type_='ram'))
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert [(r.type, r.price) for r in rows] == [('ram', D(5))]
        summary = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                                  groupby=['type'])
        assert [(r.groups['type'], r.price) for r in summary.rows] == [
            ('ram', D(5))]

    def test_push_many_states_and_empty_frames(self, backend,
                                               admin_context):
        from cloudkitty.storage import state
        backend.push_many(admin_context, [
            ('S1', self._frame('2025-01-01T10:00:00', ['1'])),
            ('S1', self._frame('2025-01-01T11:00:00', ['1'])),
            ('S2', self._frame('2025-01-01T10:00:00', [])),
        ])
        assert state.get_state(admin_context, 'S1').last_processed_timestamp \
            == _dt('2025-01-01T11:00:00')
        assert state.get_state(admin_context, 'S2').last_processed_timestamp \
            == _dt('2025-01-01T10:00:00')
        assert backend.tenants(admin_context, '2025-01-01',
                               '2025-01-02') == ['S1']
        backend.push(admin_context, 'S2',
                     self._frame('2025-01-01T11:00:00', []), mark_empty=True)
        assert backend.tenants(admin_context, '2025-01-01',
                               '2025-01-02') == ['S1', 'S2']
        assert backend.count_dataframes(admin_context, '2025-01-01',
                                        '2025-01-02') == 2
        markers = backend.dataframes(admin_context, '2025-01-01',
                                     '2025-01-02',
                                     types=[storage.NO_DATA_TYPE])
        assert [(m.scope_id, m.qty, m.price, m.unit) for m in markers] == [
            ('S2', 0, 0, 'None')]
        summary = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                                  groupby=['type'])
        assert [r.groups['type'] for r in summary.rows] == ['cpu']

    @pytest.mark.parametrize('failing', ['storage_points', 'storage_daily',
                                         'scope_state'])
    def test_failed_push_changes_nothing(self, backend, admin_context, db,
                                         failing):
        from cloudkitty.storage import state
        first = self._frame('2025-01-01T10:00:00', ['1', '2'])
        backend.push(admin_context, 'S1', first)
        before = backend.dataframes(admin_context, '2025-01-01',
                                    '2025-01-02')
        # a real database error in the middle of the transaction: the old
        # rows of S1 10:00 are already deleted and the new ones inserted
        # when the rollup or the state write fails
        with failing_writes(db, failing):
            with pytest.raises(Exception, match='injected'):
                backend.push_many(admin_context, [
                    ('S1', self._frame('2025-01-01T10:00:00', ['7'])),
                    ('S1', self._frame('2025-01-01T11:00:00', ['8'])),
                    ('S3', self._frame('2025-01-01T11:00:00', ['9']))])
        after = backend.dataframes(admin_context, '2025-01-01',
                                   '2025-01-02')
        assert [(r.id, r.price) for r in after] == [
            (r.id, r.price) for r in before]
        assert backend.total(admin_context, '2025-01-01',
                             '2025-01-02') == D(3)
        assert state.get_state(admin_context, 'S1').last_processed_timestamp \
            == _dt('2025-01-01T10:00:00')
        assert state.get_state(admin_context, 'S3') is None

    # -- reset, delete, purge ------------------------------------------------

    def test_reset_deletes_rows_and_moves_state(self, seeded, admin_context):
        from cloudkitty.storage import state
        to = '2015-01-05T00:00:00'
        assert state.reset(admin_context, [B], to, period=3600) == [B]
        st = state.get_state(admin_context, B)
        assert st.last_processed_timestamp == _dt('2015-01-04T23:00:00')
        # B kept its 11 hours of Jan 4 (13:00..23:00); A is untouched
        assert seeded.total(admin_context, JAN1, FEB4,
                            scope_ids=[B]) == D('2.916') * 11
        assert seeded.total(admin_context, JAN1, FEB4,
                            scope_ids=[A]) == D('163.296')
        with pytest.raises(state.ScopeNotFound):
            state.reset(admin_context, ['nosuch'], to, period=3600)

    def test_purge_keeps_rollup_exact(self, seeded, admin_context):
        deleted = seeded.purge(admin_context, _dt('2015-01-05T06:00:00'))
        # A and B lose 11 + 6 hours each, 4 rows an hour
        assert deleted == 2 * 17 * 4
        assert seeded.total(admin_context, JAN1, FEB4) == \
            D('2.916') * (56 + 28 - 34)
        assert seeded.total(admin_context, None, None) == D('34.992')
        assert seeded.delete(admin_context, scope_ids=[A]) == 4 * (56 - 17)
        assert seeded.tenants(admin_context, JAN1, FEB4) == [B]

    # -- exactness and bad input ---------------------------------------------

    def test_decimal_exactness(self, backend, admin_context):
        prices = ['0.1', '0.2', '0.000000000000000001',
                  '12345678901234567890.123456789012345678']
        backend.push(admin_context, 'S1',
                     self._frame('2025-01-01T10:00:00', prices))
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert sorted(format(r.price, 'f') for r in rows) == sorted(prices)
        expected = D('12345678901234567890.423456789012345679')
        assert backend.total(admin_context, '2025-01-01',
                             '2025-01-02') == expected
        # served by the rollup (whole day) and by the points (partial day)
        assert backend.total(admin_context, '2025-01-01T09:00:00',
                             '2025-01-01T12:00:00') == expected

    def test_zero_amounts(self, backend, admin_context):
        backend.push(admin_context, 'S1', dataframe.DataFrame(
            _dt('2025-01-01T10:00:00'), _dt('2025-01-01T11:00:00'),
            {'cpu': [dataframe.DataPoint('u', 0, 0)]}))
        for begin in ('2025-01-01', '2025-01-01T10:00:00'):
            result = backend.summary(admin_context, begin, '2025-01-02',
                                     groupby=['type'])
            assert [(r.groups['type'], r.qty, r.price)
                    for r in result.rows] == [('cpu', 0, 0)]
            assert backend.total(admin_context, begin, '2025-01-02') == 0

    def test_amounts_beyond_the_scale_round_half_even(self, backend,
                                                      admin_context):
        backend.push(admin_context, 'S1', self._frame(
            '2025-01-01T10:00:00', ['0.0000000000000000005',
                                    '0.0000000000000000015']))
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert sorted(r.price for r in rows) == [D(0), D('2E-18')]
        with pytest.raises(storage.InvalidAmount):
            backend.push(admin_context, 'S1', self._frame(
                '2025-01-01T11:00:00', ['1' + '0' * 20]))

    def test_amounts_in_every_written_form(self, backend, admin_context):
        # exponents, integers, signs, the range and scale limits: each is
        # stored and summed exactly, whatever text form the Decimal has
        amounts = ['1E+2', '1.5E-7', '-0.5', '7', '-7', '0', '-0', '0E-25',
                   '12345678901234567890', '-1234567890123456789.5',
                   '0.123456789012345678', '-99999999999999999999.5',
                   '2.50000000000000000000', '3E-18']
        start = _dt('2025-01-01T10:00:00')
        backend.push(admin_context, 'S1', dataframe.DataFrame(
            start, start + seed.HOUR, {'cpu': [
                dataframe.DataPoint('u', D(a), D(a)) for a in amounts]}))
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert sorted((r.qty, r.price) for r in rows) == sorted(
            (D(a), D(a)) for a in amounts)
        exact = decimal.Context(prec=60)
        expected = D(0)
        for a in amounts:
            expected = exact.add(expected, D(a))
        for begin in ('2025-01-01', '2025-01-01T10:00:00'):
            result = backend.summary(admin_context, begin, '2025-01-02',
                                     groupby=['type'])
            assert [(r.qty, r.price) for r in result.rows] == [
                (expected, expected)]

    @pytest.mark.parametrize('name,value', [
        ('price', 'NaN'), ('price', 'Infinity'), ('qty', '-Infinity'),
        ('qty', 'sNaN'), ('price', '1E+20'), ('qty', '-1' + '0' * 20),
        # 20 integer digits, but rounding to 18 fractional digits carries
        # into a 21st
        ('price', '99999999999999999999.9999999999999999995')])
    def test_amounts_out_of_range_are_refused(self, backend, admin_context,
                                              name, value):
        from cloudkitty.storage import state
        good = self._frame('2025-01-01T10:00:00', ['1'])
        backend.push(admin_context, 'S1', good)
        qty, price = (D(value), D(1)) if name == 'qty' else (D(1), D(value))
        start = _dt('2025-01-01T11:00:00')
        with pytest.raises(storage.InvalidAmount) as err:
            backend.push_many(admin_context, [
                ('S1', self._frame('2025-01-01T10:00:00', ['5'])),
                ('S1', dataframe.DataFrame(start, start + seed.HOUR, {
                    'cpu': [dataframe.DataPoint('u', qty, price)]}))])
        assert name in str(err.value)
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert [(r.begin, r.price) for r in rows] == [
            (_dt('2025-01-01T10:00:00'), D(1))]
        assert state.get_state(admin_context, 'S1').last_processed_timestamp \
            == _dt('2025-01-01T10:00:00')

    def test_points_sharing_attribute_mappings(self, backend,
                                               admin_context):
        # collectors hand out one read-only mapping per resource, shared
        # by its points of every period; texts with the characters COPY
        # and JSON escape come back as they went in
        odd = 'tab\there, new\nline, cr\r, back\\slash, "quoted", \u00e9'
        first = types.MappingProxyType({'project_id': 'S1', 'id': 'r1',
                                        'note': odd})
        second = types.MappingProxyType({'project_id': 'S1', 'id': 'r2'})
        meta = types.MappingProxyType({'flavor': 'm1.small', 'odd': odd})
        frames = []
        for hour in range(3):
            start = _dt('2025-01-01T10:00:00') + hour * seed.HOUR
            frames.append(('S1', dataframe.DataFrame(
                start, start + seed.HOUR, {
                    'cpu': [dataframe.DataPoint('u', 1, D(1), first, meta),
                            dataframe.DataPoint('u', 1, D(2), second, meta)],
                    'ram': [dataframe.DataPoint('u', 1, D(4), first, {}),
                            dataframe.DataPoint('u', 1, D(8),
                                                {'id': 'r3'}, meta)]})))
        assert backend.push_many(admin_context, frames) == 12
        rows = backend.dataframes(admin_context, '2025-01-01', '2025-01-02')
        assert len(rows) == 12
        expected = {D(1): (dict(first), dict(meta)),
                    D(2): (dict(second), dict(meta)),
                    D(4): (dict(first), {}),
                    D(8): ({'id': 'r3'}, dict(meta))}
        for row in rows:
            assert (row.groupby, row.metadata) == expected[row.price]
        assert backend.total(admin_context, '2025-01-01', '2025-01-02',
                             ) == D(15) * 3
        summary = backend.summary(admin_context, '2025-01-01', '2025-01-02',
                                  groupby=['id'], window=storage.WINDOW_V2)
        assert [(r.groups['id'], r.price) for r in summary.rows] == [
            ('r1', D(15)), ('r2', D(6)), ('r3', D(24))]
        assert backend.total(admin_context, '2025-01-01', '2025-01-02',
                             ) == D(45)

    def test_bad_input(self, backend, admin_context):
        with pytest.raises(storage.InvalidDate) as err:
            backend.total(admin_context, 'yesterday', None)
        assert isinstance(err.value, exception.Invalid)
        assert 'begin' in str(err.value)
        with pytest.raises(storage.InvalidDate):
            backend.dataframes(admin_context, None, '2015-13-01')
        with pytest.raises(storage.InvalidQuery):
            backend.total(admin_context, None, None, window='v3')
        with pytest.raises(storage.InvalidQuery):
            backend.push(admin_context, '', self._frame(
                '2025-01-01T10:00:00', ['1']))
        assert backend.total(admin_context, None, None,
                             scope_ids=[]) == 0
