"""Module states, the rules generation stamp and the pipeline order, on
every database backend."""

import datetime
import decimal

import pytest

from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.rating import modules
from cloudkitty.rating import noop
from cloudkitty.rating import pipeline

D = decimal.Decimal
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


class AddOne(rating.RatingProcessor):
    module_id = 'addone'
    description = 'Adds one.'
    hot_config = True

    def process(self, frame, scope_id, at):
        return frame.with_usage({k: [p.with_price(p.price + 1) for p in v]
                                 for k, v in frame.usage.items()})


class Double(rating.RatingProcessor):
    module_id = 'double'
    description = 'Doubles.'

    def process(self, frame, scope_id, at):
        return frame.with_usage({k: [p.with_price(p.price * 2) for p in v]
                                 for k, v in frame.usage.items()})


class Broken(rating.RatingProcessor):
    module_id = 'broken'

    def process(self, frame, scope_id, at):
        if scope_id == 'fine':
            return frame
        raise ZeroDivisionError('boom')


class Batching(rating.RatingProcessor):
    """Adds ten, all frames at once; fails the frames of scope 'bad'."""

    module_id = 'batching'
    calls = []

    def process(self, frame, scope_id, at):
        result, = self.process_many([(frame, scope_id, at)])
        if isinstance(result, exception.RatingError):
            raise result
        return result

    def process_many(self, items):
        self.calls.append([scope for _frame, scope, _at in items])
        return [exception.RatingError(module='batching', reason='bad scope')
                if scope == 'bad' else frame.with_usage(
                    {k: [p.with_price(p.price + 10) for p in v]
                     for k, v in frame.usage.items()})
                for frame, scope, _at in items]


FAKES = {'addone': AddOne, 'broken': Broken, 'double': Double,
         'noop': noop.Noop}


@pytest.fixture
def fake_modules():
    """Installed modules = the fakes above (our own discovery cache)."""
    saved = modules._classes
    modules._classes = dict(sorted(FAKES.items()))
    yield
    modules._classes = saved


@pytest.fixture
def with_batching(fake_modules):
    """The fakes plus a module that rates many frames at once."""
    modules._classes = dict(sorted({**FAKES,
                                    'batching': Batching}.items()))
    Batching.calls.clear()


def _pipeline(conf, fakes=FAKES):
    return pipeline.Pipeline(conf, {name: cls(conf)
                                    for name, cls in fakes.items()})


def _frame():
    points = [dataframe.DataPoint('u', 1), dataframe.DataPoint('u', 2)]
    return dataframe.DataFrame(START, START + datetime.timedelta(hours=1),
                               {'instance': points})


def test_installed_modules_are_discovered():
    classes = modules.module_classes(refresh=True)
    assert classes['noop'] is noop.Noop


def test_defaults(db, admin_context, conf, fake_modules):
    infos = modules.list_modules(admin_context, conf)
    assert [i.module_id for i in infos] == ['addone', 'broken', 'double',
                                            'noop']
    assert infos[0] == modules.ModuleInfo('addone', 'Adds one.', False, True,
                                          1)
    assert infos[3] == modules.ModuleInfo('noop', 'Dummy test module.', True,
                                          False, 1)


def test_update_stores_exact_priority(db, admin_context, conf, fake_modules):
    info = modules.update_module(admin_context, conf, 'addone', enabled=True,
                                 priority=0)
    assert info.enabled is True and info.priority == 0
    info = modules.update_module(admin_context, conf, 'addone', priority=-3)
    assert info.enabled is True and info.priority == -3
    info = modules.update_module(admin_context, conf, 'addone',
                                 enabled=False)
    assert info.enabled is False and info.priority == -3
    # idempotent: the keystoneauth 302 loop re-sends the same PUT
    for _ in range(3):
        modules.update_module(admin_context, conf, 'double', enabled=True,
                              priority=7)
    assert modules.get_module(admin_context, conf, 'double').priority == 7


def test_noop_ignores_settings(db, admin_context, conf, fake_modules):
    info = modules.update_module(admin_context, conf, 'noop', enabled=False,
                                 priority=9)
    assert info.enabled is True and info.priority == 1


def test_unknown_module(db, admin_context, conf, fake_modules):
    with pytest.raises(exception.ModuleNotFound) as err:
        modules.get_module(admin_context, conf, 'nope')
    assert str(err.value) == 'Module not found.'
    with pytest.raises(exception.ModuleNotFound):
        modules.update_module(admin_context, conf, 'nope', enabled=True)
    with pytest.raises(exception.Invalid):
        modules.update_module(admin_context, conf, 'double', priority='x')


def test_rules_generation(db, admin_context):
    assert modules.rules_generation(admin_context) == 0
    modules.bump_rules_generation(admin_context)
    modules.bump_rules_generation(admin_context)
    assert modules.rules_generation(admin_context) == 2


def test_generation_row_is_not_a_module(db, admin_context, conf,
                                        fake_modules):
    modules.bump_rules_generation(admin_context)
    assert len(modules.list_modules(admin_context, conf)) == 4


def test_pipeline_order_by_priority(sqlite_db, admin_context, conf,
                                    fake_modules):
    modules.update_module(admin_context, conf, 'addone', enabled=True,
                          priority=2)
    modules.update_module(admin_context, conf, 'double', enabled=True,
                          priority=1)
    pipe = _pipeline(conf)
    rated = pipe.rate(admin_context, _frame(), 'scope')
    assert pipe.active_modules == ['addone', 'double', 'noop']
    assert [p.price for _t, p in rated.iterpoints()] == [2, 2]

    modules.update_module(admin_context, conf, 'double', priority=3)
    # not refreshed: the previous order stays until refresh/notify
    rated = pipe.rate(admin_context, _frame(), 'scope')
    assert [p.price for _t, p in rated.iterpoints()] == [2, 2]
    pipe.notify_rules_changed()
    rated = pipe.rate(admin_context, _frame(), 'scope')
    assert pipe.active_modules == ['double', 'addone', 'noop']
    assert [p.price for _t, p in rated.iterpoints()] == [1, 1]


def test_pipeline_ties_by_module_id(sqlite_db, admin_context, conf,
                                    fake_modules):
    for name in ('double', 'addone'):
        modules.update_module(admin_context, conf, name, enabled=True,
                              priority=1)
    pipe = _pipeline(conf)
    pipe.refresh(admin_context)
    assert pipe.active_modules == ['addone', 'double', 'noop']


def test_pipeline_error_names_module(sqlite_db, admin_context, conf,
                                     fake_modules):
    modules.update_module(admin_context, conf, 'broken', enabled=True)
    pipe = _pipeline(conf)
    with pytest.raises(exception.RatingError) as err:
        pipe.rate(admin_context, _frame(), 'scope')
    assert str(err.value) == 'Rating module broken failed: boom'


def test_rate_many_rates_as_rate_does(sqlite_db, admin_context, conf,
                                      with_batching):
    modules.update_module(admin_context, conf, 'addone', enabled=True,
                          priority=3)
    modules.update_module(admin_context, conf, 'batching', enabled=True,
                          priority=2)
    modules.update_module(admin_context, conf, 'double', enabled=True,
                          priority=1)
    pipe = _pipeline(conf, {**FAKES, 'batching': Batching})
    results = pipe.rate_many(admin_context, [(_frame(), 'a'),
                                             (_frame(), 'b')])
    assert pipe.active_modules == ['addone', 'batching', 'double', 'noop']
    # (0 + 1 + 10) * 2 for every point; the batching module saw both
    # frames in one call
    for result in results:
        assert [p.price for _t, p in result.iterpoints()] == [22, 22]
    assert Batching.calls == [['a', 'b']]
    single = pipe.rate(admin_context, _frame(), 'a')
    assert [p.price for _t, p in single.iterpoints()] == [22, 22]
    assert Batching.calls == [['a', 'b'], ['a']]


def test_rate_many_fails_only_the_failing_frames(sqlite_db, admin_context,
                                                 conf, with_batching):
    modules.update_module(admin_context, conf, 'batching', enabled=True,
                          priority=3)
    modules.update_module(admin_context, conf, 'broken', enabled=True,
                          priority=2)
    modules.update_module(admin_context, conf, 'double', enabled=True,
                          priority=1)
    pipe = _pipeline(conf, {**FAKES, 'batching': Batching})
    results = pipe.rate_many(admin_context, [
        (_frame(), 'fine'), (_frame(), 'bad'), (_frame(), 'other')])
    assert [p.price for _t, p in results[0].iterpoints()] == [20, 20]
    assert isinstance(results[1], exception.RatingError)
    assert str(results[1]) == 'Rating module batching failed: bad scope'
    assert isinstance(results[2], exception.RatingError)
    assert str(results[2]) == 'Rating module broken failed: boom'
    assert Batching.calls == [['fine', 'bad', 'other']]
    assert pipe.rate_many(admin_context, []) == []


def test_quote_sums_prices(sqlite_db, admin_context, conf, fake_modules):
    modules.update_module(admin_context, conf, 'addone', enabled=True)
    pipe = _pipeline(conf)
    total = pipe.quote(admin_context, [
        {'service': 'instance', 'volume': '2', 'desc': {}},
        {'service': 'volume', 'volume': 3},
    ])
    assert total == D(2)
    assert pipe.quote(admin_context, []) == 0
    with pytest.raises(exception.Invalid):
        pipe.quote(admin_context, [{'service': 'x', 'volume': 'abc'}])
