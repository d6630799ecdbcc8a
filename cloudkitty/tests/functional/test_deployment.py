"""The shipped deployment files serve the API for real.

``etc/systemd/cloudkitty-api.service`` (gunicorn) and
``etc/cloudkitty/cloudkitty-api-uwsgi.ini`` (uwsgi) are what the
installation guide tells operators to use. Each test takes the file as
shipped, changes only what must change on a test machine (the address, the
virtualenv, the configuration file path), starts the WSGI server, and talks
HTTP to it.
"""

import configparser
import json
import os
import pathlib
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty.tests import db_backends

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent

pytestmark = pytest.mark.integration


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def config_file(tmp_path):
    """A noauth configuration on a migrated SQLite database."""
    db = tmp_path / 'ck.sqlite'
    engine = sa.create_engine('sqlite:///%s' % db)
    try:
        migration.upgrade('head', engine)
    finally:
        engine.dispose()
    path = tmp_path / 'cloudkitty.conf'
    path.write_text('[DEFAULT]\nauth_strategy = noauth\n'
                    '[database]\nconnection = sqlite:///%s\n' % db)
    return path


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.read().decode()


def _serve(argv, env, port, log):
    """Start ``argv``, wait until ``/`` answers, return the process."""
    with open(log, 'w') as out:
        proc = subprocess.Popen(argv, env=env, stdout=out,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            _get('http://127.0.0.1:%d/' % port)
            return proc
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(proc)
                pytest.fail('server did not start:\n%s'
                            % pathlib.Path(log).read_text())
            time.sleep(0.2)


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _check_api(port):
    status, body = _get('http://127.0.0.1:%d/' % port)
    assert status == 200
    versions = json.loads(body)['versions']
    assert versions[0]['id'] == 'v1'
    assert versions[0]['links'][0]['href'] == (
        'http://127.0.0.1:%d/v1' % port)
    assert _get('http://127.0.0.1:%d/healthcheck' % port) == (200, 'OK')


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / 'etc' / 'systemd' / name)
    return parser['Service']


def test_systemd_api_unit_serves_the_api(tmp_path, config_file):
    service = _unit('cloudkitty-api.service')
    argv = shlex.split(service['ExecStart'].replace('\\\n', ' '))
    assert argv[0] == '/opt/cloudkitty/bin/gunicorn'
    assert argv[-1] == 'cloudkitty.wsgi.api:application'
    if shutil.which('gunicorn', path=str(BIN)) is None:
        db_backends.unavailable('gunicorn is not installed in %s' % BIN)
    port = _free_port()
    argv[0] = str(BIN / 'gunicorn')
    argv[argv.index('--bind') + 1] = '127.0.0.1:%d' % port
    argv[argv.index('--workers') + 1] = '2'
    name, _, value = service['Environment'].partition('=')
    assert (name, value) == ('CLOUDKITTY_CONFIG_FILE',
                             '/etc/cloudkitty/cloudkitty.conf')
    env = dict(os.environ, CLOUDKITTY_CONFIG_FILE=str(config_file))
    proc = _serve(argv, env, port, tmp_path / 'gunicorn.log')
    try:
        _check_api(port)
    finally:
        _stop(proc)


@pytest.mark.parametrize('unit,command', [
    ('cloudkitty-processor.service', 'cloudkitty-processor'),
    ('cloudkitty-storage-purge.service', 'cloudkitty-storage-purge'),
])
def test_units_run_installed_commands(unit, command):
    service = _unit(unit)
    argv = shlex.split(service['ExecStart'].replace('\\\n', ' '))
    assert argv[0] == '/opt/cloudkitty/bin/%s' % command
    assert (BIN / command).exists()
    assert argv[1:] == ['--config-file', '/etc/cloudkitty/cloudkitty.conf']


def test_purge_unit_runs_with_the_shipped_arguments(tmp_path, config_file):
    """The purge unit's command line works on a migrated database."""
    service = _unit('cloudkitty-storage-purge.service')
    argv = shlex.split(service['ExecStart'].replace('\\\n', ' '))
    argv[0] = str(BIN / 'cloudkitty-storage-purge')
    argv[argv.index('--config-file') + 1] = str(config_file)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith('Purged 0 rated rows')
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(ROOT / 'etc' / 'systemd' / 'cloudkitty-storage-purge.timer')
    assert timer['Timer']['OnCalendar'] == 'daily'


def test_uwsgi_ini_serves_the_api(tmp_path, config_file):
    uwsgi = shutil.which('uwsgi', path=str(BIN))
    if uwsgi is None:
        db_backends.unavailable('uwsgi is not installed in %s' % BIN)
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(ROOT / 'etc' / 'cloudkitty' / 'cloudkitty-api-uwsgi.ini')
    section = parser['uwsgi']
    assert section['module'] == 'cloudkitty.wsgi.api:application'
    assert section['env'] == (
        'CLOUDKITTY_CONFIG_FILE=/etc/cloudkitty/cloudkitty.conf')
    port = _free_port()
    section['http-socket'] = '127.0.0.1:%d' % port
    section['virtualenv'] = sys.prefix
    section['env'] = 'CLOUDKITTY_CONFIG_FILE=%s' % config_file
    section['processes'] = '2'
    ini = tmp_path / 'uwsgi.ini'
    with open(ini, 'w') as out:
        parser.write(out)
    proc = _serve([uwsgi, '--ini', str(ini)], dict(os.environ), port,
                  tmp_path / 'uwsgi.log')
    try:
        _check_api(port)
    finally:
        _stop(proc)
