"""Correctness gate of the shared benchmark (small size): rules.json loaded
through the DB layer, usage rated through the pipeline, totals compared
with expected.json["hashmap"]."""



from cloudkitty.rating import modules
from cloudkitty.rating import pipeline
from cloudkitty.rating.hashmap import db as hashmap_db
from cloudkitty.tests import bench_rules


def test_rules_load_on_every_backend(db, admin_context, conf):
    created = bench_rules.load_rules(admin_context, conf)
    services = {s.name for s in hashmap_db.list_services(admin_context)}
    assert services == {'instance', 'volume.size', 'image.size',
                        'ip.floating', 'network.outgoing.bytes',
                        'radosgw.objects.size'}
    ruleset = hashmap_db.load_ruleset(admin_context)
    instance = ruleset.service('instance')
    assert [f.name for f in instance.fields] == [
        'flavor_name', 'availability_zone', 'image_id']
    flavors = instance.fields[0].mappings
    assert len(flavors) == 11
    assert [m.tenant_id for m in flavors].count(
        '4dfc2ee56ddd5cb33ad1fa724f7f1c81') == 1
    assert str(flavors[0].cost) == '0.0058000000000000000000000000'
    volume = ruleset.service('volume.size')
    assert str(volume.thresholds[0].level) == '100.00000000'
    assert 'grp_volume' in created
    assert modules.get_module(admin_context, conf, 'hashmap').priority == 2


def test_small_workload_matches_expected(sqlite_db, admin_context, conf,
                                         pricing_loop,
                                         small_usage, expected):
    bench_rules.load_rules(admin_context, conf)
    for info in modules.list_modules(admin_context, conf):
        if info.module_id != 'hashmap':
            modules.update_module(admin_context, conf, info.module_id,
                                  enabled=False)
    pipe = pipeline.Pipeline(conf)
    frames = bench_rules.read_frames(small_usage)
    rated = [(scope, pipe.rate(admin_context, frame, scope))
             for scope, frame in frames]
    assert pipe.active_modules == ['hashmap', 'noop']
    got = bench_rules.totals(rated)
    assert bench_rules.differences(got, expected['hashmap']) == []
    assert got['points'] == 2400
