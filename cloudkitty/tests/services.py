"""Real external services started by test fixtures: Gnocchi, Prometheus.

Each server binds 127.0.0.1 on an ephemeral port, lives in a temporary
directory and is stopped (by PID) by its fixture. What is needed is
installed on first use, or beforehand by ``tools/ci/install-services.sh``
(which ``.ci/run`` calls):

* Gnocchi 4.7 in a private virtualenv
  (``$CK_GNOCCHI_VENV``, default ``~/.cache/cloudkitty-tests/gnocchi-venv``),
  API under gunicorn + one ``gnocchi-metricd``, PostgreSQL indexer (a
  throwaway database on the test PostgreSQL server), file storage, basic
  auth;
* Prometheus + promtool from the distribution package; history is
  backfilled with ``promtool tsdb create-blocks-from openmetrics`` before
  the server starts.

Failures raise :class:`ServiceError`; fixtures turn it into
``db_backends.unavailable()`` (skip locally, fail under ``CI=true``).
"""

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import sqlalchemy as sa

from cloudkitty.tests import db_backends


class ServiceError(Exception):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_http(url, timeout, headers=None, process=None, log=None):
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers or {})
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    detail = ''
    if log and os.path.exists(log):
        with open(log, errors='replace') as handle:
            detail = handle.read()[-2000:]
    raise ServiceError('%s did not answer in %ss %s' % (url, timeout,
                                                         detail))


def _stop(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


# -- Gnocchi --

GNOCCHI_VENV = os.environ.get('CK_GNOCCHI_VENV', os.path.expanduser(
    '~/.cache/cloudkitty-tests/gnocchi-venv'))


def ensure_gnocchi():
    """The Gnocchi virtualenv's bin directory (installed if missing)."""
    bin_dir = os.path.join(GNOCCHI_VENV, 'bin')
    needed = ('gnocchi-upgrade', 'gnocchi-metricd', 'gunicorn')
    if all(os.access(os.path.join(bin_dir, n), os.X_OK) for n in needed):
        return bin_dir
    try:
        subprocess.run([sys.executable, '-m', 'venv', GNOCCHI_VENV],
                       check=True, capture_output=True, timeout=300)
        subprocess.run([os.path.join(bin_dir, 'pip'), 'install', '-q',
                        'gnocchi[postgresql,file]>=4.7,<4.8', 'gunicorn',
                        'psycopg2-binary'], check=True, capture_output=True,
                       timeout=1800)
    except (subprocess.SubprocessError, OSError) as err:
        raise ServiceError('cannot install Gnocchi in %s: %s'
                           % (GNOCCHI_VENV, err))
    return bin_dir


class GnocchiServer:
    """Gnocchi API + metricd; ``url``, ``user`` once started."""

    user = 'admin'

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='ck-gnocchi-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self._api = self._metricd = None
        self._database = None

    def _create_database(self):
        admin_url = db_backends._ADMIN_URLS['postgresql']
        name = 'ck_gnocchi_%d_%s' % (os.getpid(), uuid.uuid4().hex[:8])
        engine = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE %s' % name))
        except Exception as err:  # noqa: B902 - any connection error
            raise ServiceError('PostgreSQL unavailable for the Gnocchi '
                               'indexer: %s' % str(err).splitlines()[0])
        finally:
            engine.dispose()
        self._database = name
        url = sa.engine.make_url(admin_url).set(drivername='postgresql',
                                                database=name)
        return url.render_as_string(hide_password=False)

    def start(self):
        bin_dir = ensure_gnocchi()
        dsn = self._create_database()
        conf = os.path.join(self.dir, 'gnocchi.conf')
        with open(conf, 'w') as handle:
            handle.write(
                '[DEFAULT]\nlog_file = %(d)s/gnocchi.log\n'
                '[api]\nauth_mode = basic\n'
                '[indexer]\nurl = %(dsn)s\n'
                '[storage]\ndriver = file\nfile_basepath = %(d)s/storage\n'
                '[metricd]\nworkers = 1\nmetric_processing_delay = 1\n'
                'metric_cleanup_delay = 5\n' % {'d': self.dir, 'dsn': dsn})
        try:
            subprocess.run([os.path.join(bin_dir, 'gnocchi-upgrade'),
                            '--config-file', conf], check=True,
                           capture_output=True, timeout=300)
        except subprocess.CalledProcessError as err:
            raise ServiceError('gnocchi-upgrade failed: %s'
                               % err.stderr.decode(errors='replace')[-800:])
        # NOTE(ck): Gnocchi parses sys.argv with oslo.config; under
        # gunicorn that would be gunicorn's own arguments.
        with open(os.path.join(self.dir, 'ck_gnocchi_wsgi.py'), 'w') as fh:
            fh.write('import sys\nsys.argv = [sys.argv[0], "--config-file",'
                     ' %r]\nfrom gnocchi.rest.wsgi import application  '
                     '# noqa\n' % conf)
        api_log = os.path.join(self.dir, 'api.log')
        self._api = subprocess.Popen(
            [os.path.join(bin_dir, 'gunicorn'), '-w', '1', '-b',
             '127.0.0.1:%d' % self.port, '--no-control-socket',
             '--chdir', self.dir, '--pythonpath', self.dir,
             '--error-logfile', api_log, 'ck_gnocchi_wsgi:application'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._metricd = subprocess.Popen(
            [os.path.join(bin_dir, 'gnocchi-metricd'), '--config-file',
             conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_http(self.url + '/v1/status', 60,
                   headers={'Authorization': 'Basic ' + base64.b64encode(
                       b'admin:').decode()},
                   process=self._api, log=api_log)
        return self

    def stop(self):
        _stop(self._api)
        _stop(self._metricd)
        if self._database:
            engine = sa.create_engine(db_backends._ADMIN_URLS['postgresql'],
                                      isolation_level='AUTOCOMMIT')
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text('DROP DATABASE IF EXISTS %s WITH '
                                         '(FORCE)' % self._database))
            except Exception:  # noqa: B902 - best effort
                pass
            finally:
                engine.dispose()
        shutil.rmtree(self.dir, True)


# -- Prometheus --

class PrometheusServer:
    """Prometheus serving backfilled history (no scrape target)."""

    def __init__(self, openmetrics):
        self.openmetrics = openmetrics
        self.dir = tempfile.mkdtemp(prefix='ck-prometheus-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self._process = None

    def start(self):
        prometheus = shutil.which('prometheus')
        promtool = shutil.which('promtool')
        if not prometheus or not promtool:
            raise ServiceError('prometheus/promtool not installed (run '
                               'tools/ci/install-services.sh)')
        data = os.path.join(self.dir, 'data')
        os.makedirs(data)
        history = os.path.join(self.dir, 'history.om')
        with open(history, 'w') as handle:
            handle.write(self.openmetrics)
        try:
            subprocess.run([promtool, 'tsdb', 'create-blocks-from',
                            'openmetrics', history, data], check=True,
                           capture_output=True, timeout=300)
        except subprocess.CalledProcessError as err:
            raise ServiceError('promtool backfill failed: %s'
                               % err.stderr.decode(errors='replace')[-800:])
        config = os.path.join(self.dir, 'prometheus.yml')
        with open(config, 'w') as handle:
            handle.write('global: {scrape_interval: 15s}\n'
                         'scrape_configs: []\n')
        log = os.path.join(self.dir, 'prometheus.log')
        with open(log, 'w') as out:
            # NOTE(ck): a long retention, or the backfilled blocks are
            # deleted at the first compaction.
            self._process = subprocess.Popen(
                [prometheus, '--config.file=' + config,
                 '--storage.tsdb.path=' + data,
                 '--storage.tsdb.retention.time=36500d',
                 '--web.listen-address=127.0.0.1:%d' % self.port,
                 '--log.level=warn'], stdout=out, stderr=out)
        _wait_http(self.url + '/-/ready', 60, process=self._process,
                   log=log)
        return self

    def stop(self):
        _stop(self._process)
        shutil.rmtree(self.dir, True)
