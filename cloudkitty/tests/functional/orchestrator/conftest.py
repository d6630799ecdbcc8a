"""Fixtures of the processing integration tests: a benchmark feed whose
periods are due now, its reference totals, databases the processor
commands share with the test."""

import pytest

from cloudkitty.db import api as db_api
from cloudkitty.tests import db_backends
from cloudkitty.tests.functional.orchestrator import workload

SCOPES = 50
RESOURCES = 8
PERIODS = 48


@pytest.fixture(scope='module')
def feed(tmp_path_factory):
    """A 50 x 8 x 48 feed whose periods are all due now."""
    directory = tmp_path_factory.mktemp('feed')
    start = workload.due_start(PERIODS)
    path = str(directory / 'usage.jsonl')
    counts, qtys = workload.generate_feed(path, SCOPES, RESOURCES, PERIODS,
                                          start)
    ref = workload.reference(path, str(directory))
    return Feed(path, counts, qtys, start,
                start + (PERIODS - 1) * workload.HOUR, ref)


class Feed:
    """The feed file, its points per (scope, begin), qty per scope, first
    and last period starts, and the reference calculator's figures."""

    def __init__(self, path, counts, qtys, start, last, ref):
        self.path = path
        self.counts = counts
        self.qtys = qtys
        self.start = start
        self.last = last
        self.ref = ref
        self.scopes = sorted(qtys)


def _bind(conf, engine):
    conf.set_override('connection', engine.url.render_as_string(
        hide_password=False), group='database')
    if not db_api._configured:
        db_api.context_manager.configure(connection='sqlite://')
        db_api._configured = True
    return db_api.context_manager.patch_engine(engine)


@pytest.fixture
def pg_db(conf):
    """PostgreSQL database with the schema, emptied, bound for the test
    and reachable by processor commands through conf's connection."""
    engine = db_backends.engine_with_schema('postgresql')
    db_backends.empty_tables(engine)
    restore = _bind(conf, engine)
    yield engine
    restore()


@pytest.fixture
def wal_db(conf):
    """SQLite (file, WAL journal) with the schema, bound for the test."""
    engine = db_backends.engine_with_schema('sqlite')
    db_backends.empty_tables(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql('PRAGMA journal_mode=WAL')
    restore = _bind(conf, engine)
    yield engine
    restore()
