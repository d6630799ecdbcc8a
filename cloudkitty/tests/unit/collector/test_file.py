"""File collector against benchmark feeds (real files, exact decimals)."""

import collections
import datetime
import decimal
import gzip
import hashlib
import json

import pytest

from cloudkitty import collector
from cloudkitty.collector import file as file_collector
from cloudkitty.collector import metrics
from cloudkitty import exception
from cloudkitty.fetcher import file as file_fetcher
from cloudkitty.tests import bench_feed

D = decimal.Decimal
UTC = datetime.UTC
START = datetime.datetime(2025, 1, 1, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(scope='module')
def small_feed(tmp_path_factory):
    return bench_feed.write_feed(
        tmp_path_factory.mktemp('feed') / 'usage-small.jsonl')


@pytest.fixture
def file_conf(conf, small_feed):
    conf.set_override('collector', 'file', group='collect')
    conf.set_override('metrics_conf', bench_feed.METRICS_FILE,
                      group='collect')
    conf.set_override('path', str(small_feed), group='collector_file')
    return conf


def _lines(path):
    with open(path) as handle:
        return [json.loads(line, parse_float=D) for line in handle]


def test_vendored_generator_is_the_reference(small_feed):
    # SHA-256 of the "small" size published in the benchmark README.
    digest = hashlib.sha256(small_feed.read_bytes()).hexdigest()
    assert digest == ('29f31202b6563a099676e45cfef540cc6c63e30d25f79eaa'
                      '4791b0160b5b89dd')


def test_get_collector_loads_file_collector(file_conf):
    coll = collector.get_collector(file_conf)
    assert isinstance(coll, file_collector.FileCollector)
    assert list(coll.metrics) == [
        'instance', 'volume.size', 'image.size', 'ip.floating',
        'network.outgoing.bytes', 'radosgw.objects.size']


def test_unknown_collector_is_a_config_error(conf):
    conf.set_override('collector', 'nope', group='collect')
    with pytest.raises(exception.ConfigError) as err:
        collector.get_collector(conf, metrics={})
    assert str(err.value).startswith(
        "Invalid configuration: [collect] collector: unknown plugin 'nope' "
        "(available: ")
    assert 'file' in str(err.value)


def test_point_shape(file_conf, small_feed):
    coll = collector.get_collector(file_conf)
    first = _lines(small_feed)[0]
    scope = first['scope_id']
    name, points = coll.retrieve('instance', START, START + HOUR, scope)
    assert name == 'instance'
    expected = [line for line in _lines(small_feed)
                if line['scope_id'] == scope and line['service'] == 'instance'
                and line['begin'] == START.isoformat()]
    assert len(points) == len(expected) > 0
    point, line = points[0], expected[0]
    assert point.unit == 'instance'
    assert point.qty == D(1)
    assert point.price == 0
    assert dict(point.groupby) == {
        'id': line['groupby']['id'], 'user_id': line['groupby']['user_id'],
        'project_id': scope, 'week_of_the_year': '00',
        'day_of_the_year': '1', 'month': '1', 'year': '2025'}
    assert dict(point.metadata) == {
        key: line['metadata'][key] for key in (
            'flavor_name', 'flavor_id', 'image_id', 'vcpus', 'ram',
            'availability_zone')}
    # JSON types are kept (vcpus is an integer in the feed)
    assert isinstance(point.metadata['vcpus'], int)


def test_points_of_one_resource_share_their_mappings(file_conf, small_feed):
    coll = collector.get_collector(file_conf)
    scope = _lines(small_feed)[0]['scope_id']
    _, first = coll.retrieve('instance', START, START + HOUR, scope)
    _, second = coll.retrieve('instance', START + HOUR, START + 2 * HOUR,
                              scope)
    by_id = {p.groupby['id']: p for p in first}
    assert len(by_id) == len(first) > 1
    for point in second:
        previous = by_id[point.groupby['id']]
        # same day: same calendar keys, so the whole groupby is shared
        assert point.groupby is previous.groupby
        assert point.metadata is previous.metadata
    # different resources never share
    assert len({id(p.metadata) for p in first}) == len(
        {tuple(p.metadata.items()) for p in first})


def test_calendar_keys():
    keys = collector.calendar_keys(datetime.datetime(2026, 11, 2, 13,
                                                     tzinfo=UTC))
    assert keys == {'week_of_the_year': '44', 'day_of_the_year': '306',
                    'month': '11', 'year': '2026'}
    # naive datetimes are UTC; other offsets are converted
    keys = collector.calendar_keys(datetime.datetime(
        2025, 12, 31, 23, 30, tzinfo=datetime.timezone(
            datetime.timedelta(hours=-2))))
    assert keys == {'week_of_the_year': '00', 'day_of_the_year': '1',
                    'month': '1', 'year': '2026'}


def test_sums_per_service_equal_direct_computation(file_conf, small_feed):
    coll = collector.get_collector(file_conf)
    scopes = file_fetcher.FileFetcher(file_conf).get_scopes()
    lines = _lines(small_feed)
    expected = collections.Counter()
    for line in lines:
        expected[line['service']] += D(line['qty'])
    assert sorted(scopes) == sorted({line['scope_id'] for line in lines})
    got = collections.Counter()
    count = 0
    for scope in scopes:
        for p in range(24):
            start = START + p * HOUR
            for name in coll.metrics:
                published, points = coll.retrieve(name, start, start + HOUR,
                                                  scope)
                for point in points:
                    assert point.groupby['project_id'] == scope
                    got[published] += point.qty
                    count += 1
    assert count == len(lines) == 2400
    assert got == expected
    # exact decimals: radosgw quantities carry 6 fractional digits
    assert expected['radosgw.objects.size'].as_tuple().exponent == -6


def test_longer_period_collects_every_feed_period(file_conf, small_feed):
    coll = collector.get_collector(file_conf)
    scope = _lines(small_feed)[0]['scope_id']
    _, day = coll.retrieve('instance', START, START + 24 * HOUR, scope)
    _, hour = coll.retrieve('instance', START, START + HOUR, scope)
    assert len(day) == 24 * len(hour)


def test_no_data_is_an_empty_list(file_conf, small_feed):
    coll = collector.get_collector(file_conf)
    scope = _lines(small_feed)[0]['scope_id']
    later = START + 100 * HOUR
    assert coll.retrieve('instance', later, later + HOUR, scope) == (
        'instance', [])
    assert coll.retrieve('instance', START, START + HOUR, 'nobody') == (
        'instance', [])


def test_unknown_metric(file_conf):
    coll = collector.get_collector(file_conf)
    with pytest.raises(collector.UnknownMetric):
        coll.retrieve('nope', START, START + HOUR, 'x')


def test_factor_offset_mutate_and_alt_name(file_conf, small_feed):
    defs = metrics.validate({'metrics': {
        'image.size': {'unit': 'GiB', 'factor': '1/1024', 'offset': 1,
                       'alt_name': 'image.gib', 'groupby': ['id']},
        'volume.size': {'unit': 'volume', 'mutate': 'NUMBOOL',
                        'groupby': ['id'], 'metadata': ['volume_type',
                                                        'missing']},
        'vol-map': {'unit': 'tier', 'mutate': 'MAP',
                    'mutate_map': {1: 10}, 'alt_name': 'tier',
                    'extra_args': {'service': 'ip.floating'},
                    'description': 'mapped'}}})
    coll = file_collector.FileCollector(file_conf, metrics=defs)
    lines = _lines(small_feed)
    scope = lines[0]['scope_id']
    raw = {line['groupby']['id']: D(line['qty']) for line in lines
           if line['scope_id'] == scope and line['begin'] ==
           START.isoformat()}
    name, points = coll.retrieve('image.gib', START, START + HOUR, scope)
    assert name == 'image.gib' and points
    for point in points:
        assert point.unit == 'GiB'
        assert point.qty == raw[point.groupby['id']] / 1024 + 1
    _, points = coll.retrieve('volume.size', START, START + HOUR, scope)
    assert points and all(p.qty == 1 for p in points)
    assert set(points[0].groupby) == {'id', 'project_id', 'week_of_the_year',
                                      'day_of_the_year', 'month', 'year'}
    assert points[0].metadata['missing'] == ''
    name, points = coll.retrieve('tier', START, START + HOUR, scope)
    assert name == 'tier' and points
    assert all(p.qty == 10 and p.description == 'mapped' for p in points)


def test_gzip_feed(file_conf, small_feed, tmp_path):
    gz = tmp_path / 'feed.jsonl.gz'
    gz.write_bytes(gzip.compress(small_feed.read_bytes()))
    file_conf.set_override('path', str(gz), group='collector_file')
    coll = collector.get_collector(file_conf)
    scope = _lines(small_feed)[0]['scope_id']
    _, points = coll.retrieve('instance', START, START + HOUR, scope)
    assert points
    coll.close()


def test_missing_feed_is_a_collect_error(file_conf, tmp_path):
    file_conf.set_override('path', str(tmp_path / 'none.jsonl'),
                           group='collector_file')
    coll = collector.get_collector(file_conf)
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('instance', START, START + HOUR, 'x')
    assert 'Collection of instance failed: cannot read usage feed' in str(
        err.value)


def test_invalid_line_is_a_collect_error(file_conf, tmp_path):
    feed = tmp_path / 'bad.jsonl'
    feed.write_text(
        '{"scope_id":"s","begin":"2025-01-01T00:00:00+00:00",oops\n')
    file_conf.set_override('path', str(feed), group='collector_file')
    coll = collector.get_collector(file_conf)
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('instance', START, START + HOUR, 's')
    assert 'invalid JSON' in str(err.value)
    feed.write_text('{"begin": "2025-01-01T00:00:00Z", "scope_id": 3}\n')
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('instance', START, START + HOUR, 's')
    assert '"scope_id" missing or not a str' in str(err.value)


def test_feed_change_is_picked_up_and_any_key_order(file_conf, tmp_path):
    feed = tmp_path / 'feed.jsonl'
    line = {'service': 'instance', 'qty': 2.5, 'unit': 'instance',
            'groupby': {'id': 'vm-1', 'project_id': 'p1'},
            'metadata': {'flavor_name': 'm1.tiny'},
            'begin': '2025-01-01T00:00:00Z', 'scope_id': 'p1'}
    feed.write_text(json.dumps(line) + '\n')
    file_conf.set_override('path', str(feed), group='collector_file')
    coll = collector.get_collector(file_conf)
    _, points = coll.retrieve('instance', START, START + HOUR, 'p1')
    assert [p.qty for p in points] == [D('2.5')]
    assert points[0].metadata['flavor_name'] == 'm1.tiny'
    line['qty'] = 0.1
    line['groupby']['id'] = 'vm-2'
    with open(feed, 'a') as handle:
        handle.write('\n' + json.dumps(line) + '\n')
    _, points = coll.retrieve('instance', START, START + HOUR, 'p1')
    assert sorted(p.qty for p in points) == [D('0.1'), D('2.5')]


def test_bundled_sample_feed_and_metrics(conf):
    conf.set_override('collector', 'file', group='collect')
    conf.set_override('metrics_conf', file_collector.SAMPLE_FEED.replace(
        'sample-usage.jsonl.gz', 'metrics-file.yml'), group='collect')
    coll = collector.get_collector(conf)
    scopes = file_fetcher.FileFetcher(conf).get_scopes()
    assert 3 <= len(scopes) <= 10
    periods = coll.feed.periods(START.replace(year=2000),
                                START.replace(year=2100))
    assert len(periods) == 7 * 24
    total = 0
    for name in coll.metrics:
        _, points = coll.retrieve(name, periods[0], periods[0] + HOUR,
                                  scopes[0])
        total += len(points)
    assert total > 0


def test_index_holds_one_range_per_period_and_scope(tmp_path):
    from cloudkitty.collector import usage_feed
    path = bench_feed.write_feed(tmp_path / 'f.jsonl', scopes=15,
                                 resources=12, periods=24)
    feed = usage_feed.UsageFeed(str(path))
    assert len(feed.scopes()) == 15
    runs = [run for by_scope in feed._index.values()
            for ranges in by_scope.values() for run in ranges]
    # 4,320 lines, but contiguous lines share one byte range
    assert len(runs) == 15 * 24
    for scope in feed.scopes():
        for begin in feed.periods(START, START + 24 * HOUR):
            assert len(feed.usage(scope, begin, begin + HOUR,
                                  'instance')) == 5
    # parsed blocks are bounded whatever the number of periods read
    assert len(feed._cache) == usage_feed._CACHE_SIZE
    feed.close()


def _feed_line(**changes):
    line = {'scope_id': 'p1', 'begin': '2025-01-01T00:00:00+00:00',
            'end': '2025-01-01T01:00:00+00:00', 'service': 'instance',
            'unit': 'instance', 'qty': 1,
            'groupby': {'id': 'vm-1', 'project_id': 'p1'},
            'metadata': {'flavor_name': 'm1.tiny'}}
    line.update(changes)
    return line


def test_every_json_form_reads_as_json_would(tmp_path):
    from cloudkitty.collector import usage_feed
    dumped = [
        json.dumps(_feed_line(qty=1)),
        # blanks around the object, CRLF, any key order
        '  ' + json.dumps(_feed_line(qty=2), sort_keys=True) + ' \r',
        json.dumps(_feed_line(qty=-0.5), indent=None, separators=(',', ':')),
        # exponents and big integers stay exact
        json.dumps(_feed_line(qty=1)).replace('"qty": 1', '"qty": 1.5E+3'),
        json.dumps(_feed_line(qty=10 ** 30)),
        # escapes, non-ASCII text, nested values, null and booleans
        json.dumps(_feed_line(groupby={'id': 'vm "2" \\ \u00e9\u2028',
                                       'project_id': 'p1'},
                              metadata={'tags': {'a': [1, None, True]},
                                        'ram': 512}), ensure_ascii=False),
        '',
        json.dumps(_feed_line(service='ip.floating', qty=0)),
    ]
    path = tmp_path / 'forms.jsonl'
    path.write_bytes('\n'.join(dumped).encode('utf-8') + b'\n\n')
    feed = usage_feed.UsageFeed(str(path))
    expected = []
    for text in dumped:
        if text.strip():
            record = json.loads(text, parse_float=D)
            attributes = dict(record['metadata'])
            attributes.update(record['groupby'])
            expected.append((record['service'], attributes, record['qty']))
    got = []
    for service in ('instance', 'ip.floating'):
        for attributes, qty in feed.usage('p1', START, START + HOUR,
                                          service):
            got.append((service, attributes, qty))
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    qtys = [qty for _, _, qty in got]
    assert D('1.5E+3') in qtys and D('-0.5') in qtys
    assert all(type(q) in (int, D) for q in qtys)
    feed.close()


@pytest.mark.parametrize('qty', ['true', '"3"', 'NaN', 'null', '[1]'])
def test_qty_must_be_a_number(tmp_path, qty):
    from cloudkitty.collector import usage_feed
    path = tmp_path / 'bad.jsonl'
    path.write_text(json.dumps(_feed_line()).replace('"qty": 1',
                                                     '"qty": %s' % qty))
    feed = usage_feed.UsageFeed(str(path))
    with pytest.raises(usage_feed.FeedError, match='is not a number'):
        feed.usage('p1', START, START + HOUR, 'instance')
    feed.close()


def test_index_ranges_follow_the_line_order(tmp_path):
    from cloudkitty.collector import usage_feed
    later = '2025-01-01T01:00:00+00:00'
    lines = [
        _feed_line(), _feed_line(qty=2),                  # one range
        _feed_line(scope_id='p2'),                        # other scope
        _feed_line(qty=3),                                # p1 again
        _feed_line(begin=later, qty=4),                   # next period
        _feed_line(qty=5),                                # back to p1, T0
    ]
    text = [json.dumps(line, separators=(',', ':')) for line in lines]
    text.insert(2, '')   # a blank line ends a range
    text[1] = ' ' + text[1]
    path = tmp_path / 'order.jsonl'
    path.write_text('\n'.join(text) + '\n')
    feed = usage_feed.UsageFeed(str(path))
    assert feed.scopes() == ['p1', 'p2']
    begin = int(START.timestamp())
    assert [len(r) for r in (feed._index[begin]['p1'],
                             feed._index[begin]['p2'],
                             feed._index[begin + 3600]['p1'])] == [3, 1, 1]
    assert sorted(q for _, q in feed.usage('p1', START, START + HOUR,
                                           'instance')) == [1, 2, 3, 5]
    assert [q for _, q in feed.usage('p1', START + HOUR, START + 2 * HOUR,
                                     'instance')] == [4]
    feed.close()


def test_calendar_keys_are_a_new_dict_each_time():
    start = datetime.datetime(2026, 3, 1, 5, tzinfo=UTC)
    keys = collector.calendar_keys(start)
    keys['year'] = 'changed'
    assert collector.calendar_keys(start)['year'] == '2026'
    # the same instant in another zone is the same period start
    assert collector.calendar_keys(start.astimezone(datetime.timezone(
        datetime.timedelta(hours=9)))) == collector.calendar_keys(start)
