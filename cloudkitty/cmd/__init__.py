"""Console scripts. Only this package and cloudkitty.wsgi touch argv."""

import functools
import sys

from oslo_config import cfg

from cloudkitty import exception


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
