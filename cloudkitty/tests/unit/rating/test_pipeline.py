"""Quote resources -> points (spec §6.4), without a database."""

import decimal

import pytest

from cloudkitty import exception
from cloudkitty.rating import pipeline


def test_flat_desc_goes_to_metadata():
    assert pipeline.quote_desc({'flavor_name': 'm1.small', 'vcpus': 1}) == (
        {}, {'flavor_name': 'm1.small', 'vcpus': 1})


def test_nested_desc():
    assert pipeline.quote_desc({'groupby': {'id': 'x'},
                                'metadata': {'flavor': 'a'},
                                'extra': 2}) == (
        {'id': 'x'}, {'flavor': 'a', 'extra': 2})


def test_nested_metadata_wins_on_collision():
    assert pipeline.quote_desc({'metadata': {'a': 1}, 'a': 2})[1] == {'a': 1}


def test_non_object_metadata_is_a_flat_attribute():
    assert pipeline.quote_desc({'metadata': 'x'}) == ({}, {'metadata': 'x'})


def test_quote_usage_groups_by_service():
    usage = pipeline.quote_usage([
        {'service': 'a', 'volume': 1, 'desc': {'k': 'v'}},
        {'service': 'b', 'volume': '0.5'},
        {'service': 'a', 'volume': 0.1},
    ])
    assert list(usage) == ['a', 'b']
    assert [p.qty for p in usage['a']] == [1, decimal.Decimal('0.1')]
    assert usage['a'][0].unit == 'undef' and usage['a'][0].price == 0
    assert dict(usage['a'][0].metadata) == {'k': 'v'}


@pytest.mark.parametrize('resources', [
    None, [{'volume': 1}], [{'service': 'a', 'volume': 'abc'}],
    [{'service': 'a', 'volume': 1, 'desc': []}]])
def test_quote_usage_rejects(resources):
    with pytest.raises(exception.Invalid):
        pipeline.quote_usage(resources)
