"""Alembic environment: one history for the whole CloudKitty database."""

from alembic import context

from cloudkitty.db import models

config = context.config
target_metadata = models.load_all_models()


def run_migrations_online():
    """Run against the connection (or URL) given by cloudkitty-dbsync."""
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    import sqlalchemy as sa
    engine = sa.create_engine(config.get_main_option('sqlalchemy.url'))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


run_migrations_online()
