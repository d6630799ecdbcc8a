"""Fixtures of the rating correctness gates: the shared small workload."""

import json
import os
import subprocess
import sys

import pytest

from cloudkitty.tests import bench_rules


@pytest.fixture(scope='session')
def small_usage(tmp_path_factory):
    """The benchmark's small usage file (10 scopes x 10 resources x 24 h)."""
    directory = bench_rules.require_bench_dir()
    out = tmp_path_factory.mktemp('bench') / 'usage-small.jsonl'
    subprocess.run([sys.executable, os.path.join(directory, 'gen_usage.py'),
                    '--size', 'small', '--out', str(out)], check=True)
    return str(out)


@pytest.fixture(scope='session')
def expected():
    """The reference totals of the small workload (expected.json)."""
    path = os.path.join(bench_rules.require_bench_dir(), 'expected.json')
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)
