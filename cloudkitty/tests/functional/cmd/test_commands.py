"""Console scripts as an operator runs them: real processes, real config."""

import datetime
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty.tests import bench_feed
from cloudkitty.tests import db_backends
from cloudkitty.tests.functional.orchestrator import workload

BIN = os.path.dirname(sys.executable)


def _run(command, *args, config=None, check=False):
    argv = [os.path.join(BIN, command)]
    if config is not None:
        argv += ['--config-file', str(config)]
    argv += list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          check=check)


def _config(tmp_path, text):
    path = tmp_path / 'cloudkitty.conf'
    path.write_text(text)
    return path


@pytest.mark.parametrize('backend', db_backends.BACKENDS)
def test_dbsync_creates_the_schema(tmp_path, tmp_path_factory, backend):
    url = db_backends.new_database_url(backend, tmp_path_factory)
    config = _config(tmp_path, '[database]\nconnection = %s\n' % url)
    result = _run('cloudkitty-dbsync', 'upgrade', config=config)
    assert result.returncode == 0, result.stderr
    version = _run('cloudkitty-dbsync', 'version', config=config, check=True)
    assert version.stdout.strip() == migration.head()
    engine = sa.create_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {'modules_state', 'scope_state', 'alembic_version'} <= tables
    status = _run('cloudkitty-status', 'upgrade', 'check', config=config)
    assert status.returncode == 0, status.stdout + status.stderr


def test_status_reports_an_old_schema(tmp_path):
    config = _config(tmp_path, '[database]\nconnection = sqlite:///%s\n'
                     % (tmp_path / 'ck.sqlite'))
    status = _run('cloudkitty-status', 'upgrade', 'check', config=config)
    assert status.returncode != 0
    assert 'cloudkitty-dbsync upgrade' in status.stdout


@pytest.mark.parametrize('text,expected', [
    ('[database]\nconnection = not a url\n', '[database] connection'),
    ('[database]\nconnection = nosuchdriver://x/y\n',
     '[database] connection'),
    ('[database]\nconnection = postgresql+psycopg2://nobody@127.0.0.1:1/x\n',
     'cannot reach the database'),
    ('[api]\nport = notaport\n', 'port'),
    ('[DEFAULT]\nauth_strategy = magic\n', 'auth_strategy'),
])
def test_bad_configuration_is_one_line(tmp_path, text, expected):
    config = _config(tmp_path, text)
    result = _run('cloudkitty-dbsync', 'upgrade', config=config)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert 'Traceback' not in result.stderr


def test_missing_config_file_is_one_line(tmp_path):
    result = _run('cloudkitty-dbsync', 'upgrade',
                  config=tmp_path / 'nope.conf')
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert 'nope.conf' in result.stderr


_ONCE_PROBE = '''
import gc, sys
from cloudkitty.cmd import processor
status = processor.main(['--config-file', sys.argv[1], '--once', '--until',
                         '2025-01-01T04:00:00+00:00'])
print('gc enabled=%s frozen=%s' % (gc.isenabled(), gc.get_freeze_count() > 0))
print('loaded=%s' % sorted(name for name in (
    'oslo_messaging', 'oslo_policy', 'dns') if name in sys.modules))
sys.exit(status)
'''


def test_processor_once_starts_light(tmp_path):
    """A backfill rates without the message bus client, the policy engine
    or eventlet's DNS resolver, and leaves the garbage collector on."""
    feed = bench_feed.write_feed(tmp_path / 'feed.jsonl', scopes=2,
                                 resources=5, periods=4)
    config = workload.write_config(
        str(tmp_path / 'cloudkitty.conf'),
        'sqlite:///%s' % (tmp_path / 'ck.sqlite'), str(feed),
        'file://%s' % (tmp_path / 'locks'),
        datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), host='probe',
        log_file=str(tmp_path / 'ck.log'))
    _run('cloudkitty-dbsync', 'upgrade', config=config, check=True)
    result = subprocess.run([sys.executable, '-c', _ONCE_PROBE, config],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Rated 2 scope(s): 8 period(s), 40 point(s)' in result.stdout
    assert 'gc enabled=True frozen=True' in result.stdout
    assert 'loaded=[]' in result.stdout, result.stdout
