"""Real database servers for tests: SQLite, PostgreSQL and MariaDB/MySQL.

Each test process gets its own freshly created database on each server
(``ck_<pid>_<random>``), so parallel workers, several checkouts and CI can
share one server. The schema is created once per process by running the
alembic history, then every test starts from empty tables.

Server URLs (administrative connection to an existing database):

* ``CK_TEST_POSTGRESQL_URL`` default
  ``postgresql+psycopg2://root@127.0.0.1:5432/test``
* ``CK_TEST_MYSQL_URL`` default ``mysql+pymysql://root@127.0.0.1:3306/test``

When a server cannot be reached the tests that need it are skipped, except
under ``CI=true``, where they fail: CI must run them.
"""

import atexit
import os
import uuid

import pytest
import sqlalchemy as sa

BACKENDS = ('sqlite', 'postgresql', 'mysql')

_ADMIN_URLS = {
    'postgresql': os.environ.get(
        'CK_TEST_POSTGRESQL_URL',
        'postgresql+psycopg2://root@127.0.0.1:5432/test'),
    'mysql': os.environ.get(
        'CK_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306/test'),
}

_PROVISIONED = {}


def in_ci():
    return os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


def unavailable(reason):
    """Skip, or fail under CI: an integration test must never be skipped
    in CI."""
    if in_ci():
        pytest.fail('required test service unavailable under CI=true: %s'
                    % reason, pytrace=False)
    pytest.skip(reason)


def _create_database(backend):
    name = 'ck_%d_%s' % (os.getpid(), uuid.uuid4().hex[:10])
    admin = sa.create_engine(_ADMIN_URLS[backend],
                             isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            if backend == 'mysql':
                conn.execute(sa.text(
                    'CREATE DATABASE %s CHARACTER SET utf8mb4 '
                    'COLLATE utf8mb4_bin' % name))
            else:
                conn.execute(sa.text('CREATE DATABASE %s' % name))
    finally:
        admin.dispose()
    url = sa.engine.make_url(_ADMIN_URLS[backend]).set(database=name)

    def _drop():
        eng = sa.create_engine(_ADMIN_URLS[backend],
                               isolation_level='AUTOCOMMIT')
        try:
            with eng.connect() as conn:
                if backend == 'postgresql':
                    conn.execute(sa.text(
                        'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name))
                else:
                    conn.execute(sa.text('DROP DATABASE IF EXISTS %s'
                                         % name))
        except Exception:  # noqa: B902 - best effort at exit
            pass
        finally:
            eng.dispose()
    atexit.register(_drop)
    return url.render_as_string(hide_password=False)


def new_database_url(backend, tmp_path_factory=None):
    """URL of a new, empty database on ``backend`` (skip/fail if down)."""
    if backend == 'sqlite':
        directory = (tmp_path_factory.mktemp('sqlite') if tmp_path_factory
                     else None)
        if directory is None:
            import tempfile
            directory = tempfile.mkdtemp(prefix='ck-sqlite-')
        return 'sqlite:///%s/ck.sqlite' % directory
    try:
        return _create_database(backend)
    except Exception as err:  # noqa: B902 - any connect error
        unavailable('%s server unavailable: %s'
                    % (backend, str(err).splitlines()[0]))


def engine_with_schema(backend):
    """A process-wide engine on a database holding the current schema."""
    engine = _PROVISIONED.get(backend)
    if engine is None:
        from cloudkitty.db import migration
        url = new_database_url(backend)
        engine = sa.create_engine(url)
        migration.upgrade('head', engine)
        _PROVISIONED[backend] = engine
    return engine


def empty_tables(engine):
    """Delete every row of every table (children first)."""
    from cloudkitty.db import models
    metadata = models.load_all_models()
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
