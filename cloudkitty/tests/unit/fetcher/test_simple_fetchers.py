"""The source and file fetchers, and the fetcher loader."""

import json

import pytest

from cloudkitty import exception
from cloudkitty import fetcher
from cloudkitty.fetcher import file as file_fetcher
from cloudkitty.fetcher import source
from cloudkitty.tests import bench_feed


def test_source_fetcher(conf):
    conf.set_override('backend', 'source', group='fetcher')
    conf.set_override('sources', ['b', 'a', ' b ', ''],
                      group='fetcher_source')
    loaded = fetcher.get_fetcher(conf)
    assert isinstance(loaded, source.SourceFetcher)
    assert loaded.get_scopes() == ['a', 'b']


def test_source_fetcher_empty(conf):
    assert source.SourceFetcher(conf).get_scopes() == []


def test_unknown_fetcher(conf):
    conf.set_override('backend', 'nope', group='fetcher')
    with pytest.raises(exception.ConfigError) as err:
        fetcher.get_fetcher(conf)
    assert str(err.value).startswith(
        "Invalid configuration: [fetcher] backend: unknown plugin 'nope' "
        "(available: ")
    assert 'file' in str(err.value) and 'source' in str(err.value)


def test_file_fetcher_lists_feed_scopes(conf, tmp_path):
    feed = bench_feed.write_feed(tmp_path / 'f.jsonl', scopes=4,
                                 resources=3, periods=2)
    expected = sorted({json.loads(line)['scope_id']
                       for line in feed.read_text().splitlines()})
    assert len(expected) == 4
    conf.set_override('backend', 'file', group='fetcher')
    conf.set_override('path', str(feed), group='collector_file')
    assert fetcher.get_fetcher(conf).get_scopes() == expected
    # [fetcher_file] path wins over the collector's feed
    other = bench_feed.write_feed(tmp_path / 'g.jsonl', scopes=2,
                                  resources=1, periods=1)
    conf.set_override('path', str(other), group='fetcher_file')
    assert fetcher.get_fetcher(conf).get_scopes() == expected[:0] + sorted(
        {json.loads(line)['scope_id']
         for line in other.read_text().splitlines()})


def test_file_fetcher_error(conf, tmp_path):
    conf.set_override('path', str(tmp_path / 'missing.jsonl'),
                      group='fetcher_file')
    with pytest.raises(fetcher.FetchError) as err:
        file_fetcher.FileFetcher(conf).get_scopes()
    assert str(err.value).startswith(
        'The file fetcher failed: cannot read usage feed ')


def test_file_fetcher_bundled_sample(conf):
    scopes = file_fetcher.FileFetcher(conf).get_scopes()
    assert len(scopes) == 4
    assert all(len(s) == 32 for s in scopes)
