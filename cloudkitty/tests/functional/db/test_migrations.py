"""The single alembic history: walk it, and compare it with the models.

Runs on SQLite, PostgreSQL and MariaDB, each in a fresh database.
"""

import alembic.autogenerate
import alembic.migration
import pytest
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty.db import models
from cloudkitty.tests import db_backends


@pytest.fixture(params=db_backends.BACKENDS)
def fresh_engine(request, tmp_path_factory):
    url = db_backends.new_database_url(request.param, tmp_path_factory)
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def test_walk_every_revision(fresh_engine):
    revisions = migration.revisions()
    assert revisions, 'the history is empty'
    assert migration.version(fresh_engine) is None
    for revision in revisions:
        migration.upgrade(revision, fresh_engine)
        assert migration.version(fresh_engine) == revision
    assert migration.version(fresh_engine) == migration.head()


def test_history_is_linear():
    from alembic import script as alembic_script
    script = alembic_script.ScriptDirectory.from_config(migration._config())
    assert len(script.get_heads()) == 1
    for rev in script.walk_revisions():
        assert len(rev.revision) == 12
        int(rev.revision, 16)


def test_models_match_migrations(fresh_engine):
    migration.upgrade('head', fresh_engine)
    metadata = models.load_all_models()
    with fresh_engine.connect() as conn:
        context = alembic.migration.MigrationContext.configure(
            conn, opts={'compare_type': True,
                        'compare_server_default': False})
        diff = alembic.autogenerate.compare_metadata(context, metadata)
    assert diff == [], 'models and migrations differ: %s' % (diff,)


def test_stamp_then_upgrade_is_a_noop(fresh_engine):
    migration.upgrade('head', fresh_engine)
    migration.stamp('head', fresh_engine)
    migration.upgrade('head', fresh_engine)
    assert migration.version(fresh_engine) == migration.head()
