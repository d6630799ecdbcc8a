"""Correctness gate of the shared benchmark with scripts (small size):
rules.json (hashmap + the egress_tier pyscript) loaded through the DB
layers, every frame rated, totals compared with
expected.json["hashmap+pyscripts"]."""


import pytest

from cloudkitty import dataframe
from cloudkitty import rating
from cloudkitty.rating import modules
from cloudkitty.rating import pipeline
from cloudkitty.rating.pyscripts import db as pyscripts_db
from cloudkitty.tests import bench_rules


@pytest.fixture
def loaded(sqlite_db, admin_context, conf):
    bench_rules.load_rules(admin_context, conf,
                           parts=('modules', 'hashmap', 'pyscripts'))
    script, = pyscripts_db.list_scripts(admin_context)
    assert script.name == 'egress_tier'
    assert {m.module_id: (m.enabled, m.priority)
            for m in modules.list_modules(admin_context, conf)} == {
        'hashmap': (True, 2), 'pyscripts': (True, 1), 'noop': (True, 1)}


def test_pipeline_matches_expected(loaded, admin_context, conf,
                                   small_usage, expected):
    processors = rating.get_processors(conf)
    pipe = pipeline.Pipeline(conf, processors=processors)
    frames = bench_rules.read_frames(small_usage)
    try:
        rated = [(scope, pipe.rate(admin_context, frame, scope))
                 for scope, frame in frames]
    finally:
        processors['pyscripts'].close()
    assert pipe.active_modules == ['hashmap', 'noop', 'pyscripts']
    got = bench_rules.totals(rated)
    assert got['points'] == 2400
    assert bench_rules.differences(got, expected['hashmap+pyscripts']) == []
    # the script changed something: hashmap alone gives another total
    assert bench_rules.differences(got, expected['hashmap']) != []


def test_batched_rating_matches_expected(loaded, admin_context, conf,
                                         small_usage, expected):
    conf.set_override('workers', 2, group='pyscripts')
    conf.set_override('batch_points', 500, group='pyscripts')
    processors = rating.get_processors(conf)
    pipe = pipeline.Pipeline(conf, processors=processors)
    frames = bench_rules.read_frames(small_usage)
    try:
        results = pipe.rate_many(admin_context,
                                 [(frame, scope) for scope, frame in frames])
    finally:
        processors['pyscripts'].close()
    assert pipe.active_modules == ['hashmap', 'noop', 'pyscripts']
    assert len(results) == len(frames)
    rated = [(scope, result)
             for (scope, _), result in zip(frames, results, strict=True)]
    assert all(isinstance(r, dataframe.DataFrame) for _, r in rated)
    got = bench_rules.totals(rated)
    assert bench_rules.differences(got, expected['hashmap+pyscripts']) == []
