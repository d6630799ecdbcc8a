"""The restricted evaluator of skip_datapoints_expression."""

import datetime
import decimal

import pytest

from cloudkitty import dataframe
from cloudkitty.orchestrator import skip

D = decimal.Decimal


def point(qty, price=0, **metadata):
    return dataframe.DataPoint('u', qty, price, {'id': 'r1'}, metadata)


@pytest.mark.parametrize('text, qty, expected', [
    ('False', 0, False),
    ('datapoint["vol"]["qty"] == 0', 0, True),
    ('datapoint["vol"]["qty"] == 0', D('0.5'), False),
    ('datapoint["vol"]["qty"] < Decimal("1") and '
     'datapoint["metadata"].get("state") != "up"', D('0.5'), True),
    ('datapoint["metadata"].get("state", "").startswith("do")', 1, True),
    ('not datapoint["groupby"]["id"] in ["r2", "r3"]', 1, True),
    ('datapoint["vol"]["qty"] ** 2 > 3', 2, True),
])
def test_accepted(text, qty, expected):
    expr = skip.SkipExpression(text)
    assert expr(point(qty, state='down').as_dict()) is expected


@pytest.mark.parametrize('text', [
    '__import__("os").system("true")',
    'datapoint.__class__',
    '().__class__.__bases__[0].__subclasses__()',
    'open("/etc/passwd")',
    '[x for x in datapoint]',
    'lambda: 1',
    'exec("1")',
    'datapoint["vol"]["qty"] ** 10 ** 10',
    'getattr(datapoint, "x")',
    'import os',
    '(x := 1)',
])
def test_rejected(text):
    with pytest.raises(skip.InvalidExpression):
        skip.SkipExpression(text)


def test_default_false_never_evaluates():
    assert skip.SkipExpression('False').never
    assert not skip.SkipExpression('datapoint is None').never


def frame(**usage):
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return dataframe.DataFrame(start, start + datetime.timedelta(hours=1),
                               usage)


def test_filter_frame_per_metric_and_default_and_drops_empty_types():
    f = frame(a=[point(0), point(1)], b=[point(0)], c=[point(0), point(2)])
    per_metric = {'a': skip.SkipExpression('datapoint["vol"]["qty"] == 0')}
    default = skip.SkipExpression('datapoint["vol"]["qty"] < 2')
    out, skipped = skip.filter_frame(f, per_metric, default)
    assert skipped == 3
    assert sorted(out.usage) == ['a', 'c']
    assert [p.qty for p in out.usage['a']] == [1]
    assert [p.qty for p in out.usage['c']] == [2]


def test_filter_frame_untouched_with_default():
    f = frame(a=[point(0)])
    out, skipped = skip.filter_frame(f, {}, skip.SkipExpression('False'))
    assert out is f and skipped == 0


def test_failing_expression_is_reported():
    f = frame(a=[point(1)])
    expr = skip.SkipExpression('datapoint["metadata"]["missing"] == 1')
    with pytest.raises(skip.InvalidExpression) as err:
        skip.filter_frame(f, {}, expr)
    assert 'KeyError' in str(err.value)
