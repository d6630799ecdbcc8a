"""``tools/bench.py storage`` keeps working: one small SQLite run, whose
own check compares the storage summary with a raw sum of the stored rows
(no timing is asserted)."""

import json
import os
import subprocess
import sys


from cloudkitty.tests import bench_rules

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


def test_storage_benchmark_runs(tmp_path):
    bench_rules.require_bench_dir()
    env = dict(os.environ, CK_BENCH_CACHE=str(tmp_path))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'bench.py'), 'storage',
         '--backend', 'sqlite', '--size', 'small', '--runs', '1'],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report['rows'] == 2400
    assert set(report['write_batch']) >= {'median', 'min', 'max'}
    assert set(report['queries_batch']) == {
        'total', 'raw_total', 'summary_scope_type',
        'raw_group_by_scope_type', 'one_scope_total'}
