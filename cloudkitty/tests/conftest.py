"""Shared pytest fixtures: configuration, databases, contexts."""

import pytest
from oslo_config import cfg

from cloudkitty import conf as ck_conf
from cloudkitty import context as ck_context
from cloudkitty.db import api as db_api
from cloudkitty.tests import db_backends


@pytest.fixture
def conf():
    """A fresh, parsed ConfigOpts with every CloudKitty option."""
    config = cfg.ConfigOpts()
    ck_conf.register_opts(config)
    config([], project='cloudkitty', default_config_files=[])
    yield config
    config.reset()


def _use_backend(backend, conf):
    engine = db_backends.engine_with_schema(backend)
    db_backends.empty_tables(engine)
    conf.set_override('connection', engine.url.render_as_string(
        hide_password=False), group='database')
    if not db_api._configured:
        # NOTE(ck): patch_engine() needs a started factory; start it on a
        # throwaway in-memory database, then swap the real engine in.
        db_api.context_manager.configure(connection='sqlite://')
        db_api._configured = True
    restore = db_api.context_manager.patch_engine(engine)
    return engine, restore


@pytest.fixture(params=db_backends.BACKENDS)
def db(request, conf):
    """Each test using it runs on SQLite, PostgreSQL and MariaDB.

    Yields the SQLAlchemy engine; the enginefacade
    (``db_api.context_manager``) is bound to it for the test.
    """
    engine, restore = _use_backend(request.param, conf)
    yield engine
    restore()


@pytest.fixture
def sqlite_db(conf):
    """Like ``db`` but on SQLite only (for tests whose logic is not
    backend-specific)."""
    engine, restore = _use_backend('sqlite', conf)
    yield engine
    restore()


@pytest.fixture(params=['native', 'python'])
def pricing_loop(request, monkeypatch):
    """Each test using it runs with the C hashmap pricing loop and with
    the generated Python loop it mirrors (the C one must be built: under
    ``CI=true`` its absence fails the test)."""
    from cloudkitty.rating.hashmap import index
    if request.param == 'native':
        if index._pricing is None:
            db_backends.unavailable('the C pricing loop '
                                    '(cloudkitty.rating.hashmap._pricing) '
                                    'was not built')
        monkeypatch.setattr(index, 'NATIVE', index._pricing)
    else:
        monkeypatch.setattr(index, 'NATIVE', None)
    return request.param


@pytest.fixture
def admin_context():
    return ck_context.get_admin_context()


def pytest_configure(config):
    """Distribute tests over xdist workers file by file.

    The gabbi tests (functional/test_api.py) are sequential HTTP scenarios
    that share fixtures: they must run in order on one worker.
    ``--dist loadgroup`` would do it per YAML file, but pytest-xdist 3.8's
    group suffix has no effect under pytest 9, so ``-n N`` is turned into
    ``-n N --dist loadfile`` here.
    """
    if getattr(config.option, 'dist', 'no') == 'load':
        config.option.dist = 'loadfile'


def pytest_make_parametrize_id(config, val, argname):
    """Keep ':' out of generated test ids.

    NOTE(ck): gabbi's pytest plugin takes every test whose id holds a ':'
    for one of its own (ids "<module>:<file>_<test>") and fails collection
    on the others; ISO datetimes and URLs in parameters would trip it.
    """
    if isinstance(val, str) and ':' in val:
        return val.replace(':', '.')
    return None
