"""tools/bench.py keeps working: the rating benchmarks run on the small
workload and their totals match the reference (no timing is asserted)."""

import json
import os
import subprocess
import sys


from cloudkitty.tests import bench_rules

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def test_rating_benchmarks_run(tmp_path):
    bench_rules.require_bench_dir()
    out = tmp_path / 'results.jsonl'
    env = dict(os.environ, CK_BENCH_CACHE=str(tmp_path))
    for args in (['rating', '--sizes', 'small', '--runs', '3'],
                 ['frame-overhead', '--frames', '50', '--runs', '3']):
        subprocess.run([sys.executable, os.path.join(ROOT, 'tools',
                                                     'bench.py'),
                        *args, '--out', str(out)],
                       check=True, env=env, capture_output=True)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    rating, overhead = records
    assert rating['points'] == 2400 and rating['matches_expected'] is True
    assert rating['runs'] == 3 and rating['modules'] == ['hashmap', 'noop']
    assert set(overhead['empty_frame_us']) == {'median', 'min', 'max'}


def test_pyscripts_parts_record_and_replay(tmp_path):
    bench_rules.require_bench_dir()
    env = dict(os.environ, CK_BENCH_CACHE=str(tmp_path))
    outputs = []
    for part in ('dump', 'worker', 'parent'):
        done = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'tools', 'bench.py'),
             'pyscripts-parts', part, '--size', 'small', '--repeat', '1'],
            check=True, env=env, capture_output=True, text=True)
        outputs.append(done.stdout)
    assert outputs[0].startswith('240 frames, 2400 points, 2 requests')
    assert os.path.exists(tmp_path / 'pyscripts-parts-small.marshal')
    assert '(2400 points, 2 requests)' in outputs[1]
    assert '(2400 points)' in outputs[2]


def test_pyscripts_benchmark_on_one_cpu(tmp_path):
    """``--cpu`` pins the benchmark and the sandbox workers it starts."""
    bench_rules.require_bench_dir()
    out = tmp_path / 'results.jsonl'
    env = dict(os.environ, CK_BENCH_CACHE=str(tmp_path))
    cpu = min(os.sched_getaffinity(0))
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'bench.py'),
                    'pyscripts', '--size', 'small', '--runs', '3',
                    '--workers', '1', '--cpu', str(cpu), '--out', str(out)],
                   check=True, env=env, capture_output=True)
    record = json.loads(out.read_text())
    assert record['cpus'] == [cpu]
    assert record['per_frame']['worker_cpus'] == [cpu]
    assert record['totals_agree'] is True
    assert record['totals']['per_frame'] != record['totals']['hashmap']
