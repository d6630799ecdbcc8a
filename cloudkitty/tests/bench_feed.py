"""Test helper: write a benchmark usage feed (tools/bench/gen_usage.py)."""

import importlib.util
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
GENERATOR = os.path.join(ROOT, 'tools', 'bench', 'gen_usage.py')
METRICS_FILE = os.path.join(ROOT, 'etc', 'cloudkitty', 'metrics-file.yml')


def generator():
    spec = importlib.util.spec_from_file_location('ck_gen_usage', GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_feed(path, scopes=10, resources=10, periods=24, seed=42):
    """Write a feed of scopes x resources x periods lines to ``path``."""
    generator().main(['--scopes', str(scopes), '--resources',
                      str(resources), '--periods', str(periods),
                      '--seed', str(seed), '--out', str(path)])
    return path
