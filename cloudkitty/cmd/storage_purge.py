"""cloudkitty-storage-purge: delete old rated data.

Deletes every rated row whose period began before ``--before`` (ISO 8601;
naive = UTC), or, without it, before now minus ``[storage]
retention_period`` hours (0 = keep everything: nothing is deleted). The
rollup is kept exact in the same transaction.
"""

import datetime
import sys

from oslo_config import cfg

from cloudkitty import cmd
from cloudkitty import context as ck_context
from cloudkitty.db import api as db_api
from cloudkitty import exception
from cloudkitty import service
from cloudkitty import storage
from cloudkitty.storage import window as st_window

CLI_OPTS = [
    cfg.StrOpt('before',
               help='Delete rows whose period began before this ISO 8601 '
                    'instant (default: now - [storage] retention_period '
                    'hours).'),
]


def _cutoff(conf, now=None):
    """Naive UTC cutoff, or None when nothing must be deleted."""
    if conf.before:
        try:
            return st_window.naive(conf.before, '--before')
        except storage.InvalidDate:
            raise exception.ConfigError(
                '--before: not an ISO 8601 datetime: %r' % conf.before)
    hours = conf.storage.retention_period
    if not hours:
        return None
    now = now or datetime.datetime.now(datetime.UTC)
    return (now - datetime.timedelta(hours=hours)).replace(tzinfo=None)


def _purge(conf):
    before = _cutoff(conf)
    if before is None:
        print('[storage] retention_period is 0: nothing purged.')
        return
    db_api.configure(conf)
    backend = storage.get_storage(conf)
    count = backend.purge(ck_context.get_admin_context(), before)
    print('Purged %d rated rows whose period began before %s.'
          % (count, before.isoformat()))


def _reach_database(conf):
    with cmd.database_errors('cannot purge'):
        _purge(conf)


@cmd.one_line_errors
def main(argv=None):
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(CLI_OPTS)
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:], conf)
    _reach_database(conf)


if __name__ == '__main__':
    main()
