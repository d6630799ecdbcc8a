"""One SQL database for the whole service, through oslo.db's enginefacade.

Query functions elsewhere take a request context first and use
``@context_manager.reader`` / ``@context_manager.writer``::

    @db_api.context_manager.reader
    def get_thing(context, thing_id):
        return context.session.execute(...)

The context must be a :class:`cloudkitty.context.RequestContext` (it carries
the enginefacade transaction state).
"""

import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade

from cloudkitty import exception

context_manager = enginefacade.transaction_context()

_configured = False


def configure(conf):
    """Point the enginefacade at ``[database] connection``.

    Idempotent within a process (the enginefacade can only be configured
    before it starts).

    :raises cloudkitty.exception.ConfigError: malformed connection URL.
    """
    global _configured
    url = conf.database.connection
    check_connection_url(url)
    if _configured:
        return
    opts = dict(conf.database.items())
    opts.pop('connection', None)
    # NOTE(ck): these oslo.db options are not accepted by configure().
    for key in ('backend', 'use_tpool', 'db_inc_retry_interval',
                'db_max_retry_interval', 'db_max_retries',
                'db_retry_interval', 'use_db_reconnect',
                'slave_connection', 'asyncio_connection',
                'asyncio_slave_connection', 'mysql_enable_ndb',
                'mysql_wsrep_sync_wait'):
        opts.pop(key, None)
    opts = {k: v for k, v in opts.items() if v is not None}
    # NOTE(ck): oslo.db sleeps 0 s at every connection checkout so that
    # eventlet green threads get a turn; CloudKitty runs none, and that
    # system call yields the CPU to other processes: ~0.15 ms of each
    # transaction (the processor runs 3-4 per scope run) on a busy host.
    context_manager.configure(connection=url, thread_checkin=False, **opts)
    _configured = True


def check_connection_url(url):
    """Raise ConfigError naming [database] connection if ``url`` is bad."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError) as err:
        raise exception.ConfigError(group='database', option='connection',
                                    reason='malformed URL %r (%s)'
                                           % (url, err))
    try:
        parsed.get_dialect()
    except sa.exc.NoSuchModuleError as err:
        raise exception.ConfigError(group='database', option='connection',
                                    reason=str(err))
    return parsed


def get_engine():
    """The writer engine (for bulk paths and migrations)."""
    return context_manager.writer.get_engine()
