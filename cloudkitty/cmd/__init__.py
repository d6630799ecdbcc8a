"""Console scripts. Only this package and cloudkitty.wsgi touch argv."""

import contextlib
import functools
import os
import sys

from oslo_config import cfg

from cloudkitty import exception

# NOTE(ck): no CloudKitty command runs green threads, yet eventlet is
# imported on the way (futurist, under tooz; oslo.service, under
# oslo.messaging), and by default its green DNS resolver imports dnspython:
# ~0.1 s of CPU at every start, for a resolver nothing uses (eventlet only
# uses it on monkey-patched sockets). An operator's own setting wins.
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')


def one_line_errors(func):
    """Turn configuration errors into one line on stderr and exit code 2.

    Operators get ``cloudkitty-dbsync: error: <what>`` naming the option
    instead of a traceback.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        prog = sys.argv[0].rsplit('/', 1)[-1] if sys.argv else 'cloudkitty'
        try:
            return func(*args, **kwargs)
        except (cfg.Error, exception.ConfigError) as err:
            message = str(err).replace('\n', ' ').strip()
            sys.stderr.write('%s: error: %s\n' % (prog, message))
            sys.exit(2)
    return wrapper


def _db_error_classes(connection_only):
    from oslo_db import exception as db_exc
    from sqlalchemy import exc as sa_exc
    if connection_only:
        return (sa_exc.OperationalError, sa_exc.InterfaceError,
                db_exc.DBConnectionError)
    return (sa_exc.OperationalError, sa_exc.InterfaceError,
            sa_exc.ProgrammingError, db_exc.DBError)


@contextlib.contextmanager
def database_errors(what, connection_only=False):
    """Report a database failure as one line naming [database] connection.

    :param what: what the command was doing (``cannot purge``...).
    :param connection_only: only translate errors reaching the server,
        let others (a failing migration) surface as they are.
    """
    try:
        yield
    except _db_error_classes(connection_only) as err:
        cause = getattr(err, 'orig', None) or err.__cause__ or err
        lines = str(cause).strip().splitlines() or [repr(cause)]
        raise exception.ConfigError(group='database', option='connection',
                                    reason='%s: %s' % (what, lines[0]))
