"""Schema management: upgrade, version and stamp of the single history."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from cloudkitty.db import api as db_api

_MIGRATIONS = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection=None):
    cfg = alembic_config.Config(os.path.join(_MIGRATIONS, 'alembic.ini'))
    cfg.set_main_option('script_location', _MIGRATIONS)
    if connection is not None:
        cfg.attributes['connection'] = connection
    return cfg


def _with_connection(func, engine=None):
    engine = engine if engine is not None else db_api.get_engine()
    with engine.connect() as connection:
        result = func(connection)
        if connection.in_transaction():
            connection.commit()
    return result


def upgrade(revision='head', engine=None):
    """Upgrade the schema to ``revision`` (default: the latest)."""
    _with_connection(
        lambda conn: alembic_command.upgrade(_config(conn), revision),
        engine)


def stamp(revision='head', engine=None):
    """Record ``revision`` as current without running migrations."""
    _with_connection(
        lambda conn: alembic_command.stamp(_config(conn), revision),
        engine)


def version(engine=None):
    """The current revision of the database, or None when unversioned."""
    def _current(conn):
        return alembic_migration.MigrationContext.configure(
            conn).get_current_revision()
    return _with_connection(_current, engine)


def head():
    """The latest revision of the history."""
    return alembic_script.ScriptDirectory.from_config(
        _config()).get_current_head()


def revisions():
    """Every revision id, from the first to the head."""
    script = alembic_script.ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
