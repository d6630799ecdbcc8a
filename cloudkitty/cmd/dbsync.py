"""cloudkitty-dbsync: create and upgrade the database schema.

Sub-commands: ``upgrade [--revision REV]``, ``version``, ``stamp REV``.
"""

import sys

from oslo_config import cfg

from cloudkitty import cmd
from cloudkitty.db import api as db_api
from cloudkitty.db import migration
from cloudkitty import service


def _add_commands(subparsers):
    upgrade = subparsers.add_parser('upgrade', help='Upgrade the schema.')
    upgrade.add_argument('--revision', default='head',
                         help='Target revision (default: head).')
    upgrade.set_defaults(func=_upgrade)
    version = subparsers.add_parser('version',
                                    help='Print the schema revision.')
    version.set_defaults(func=_version)
    stamp = subparsers.add_parser('stamp',
                                  help='Record a revision without running '
                                       'migrations.')
    stamp.add_argument('revision', help='Revision to record (or head).')
    stamp.set_defaults(func=_stamp)


def _engine(conf):
    db_api.configure(conf)
    return db_api.get_engine()


def _upgrade(conf):
    migration.upgrade(conf.command.revision, _engine(conf))


def _version(conf):
    print(migration.version(_engine(conf)) or 'None')


def _stamp(conf):
    migration.stamp(conf.command.revision, _engine(conf))


COMMAND_OPT = cfg.SubCommandOpt('command', title='Commands',
                                handler=_add_commands,
                                help='What to do with the schema.')


def _reach_database(conf, func):
    with cmd.database_errors('cannot reach the database',
                             connection_only=True):
        func(conf)


@cmd.one_line_errors
def main(argv=None):
    conf = cfg.ConfigOpts()
    conf.register_cli_opt(COMMAND_OPT)
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:], conf)
    _reach_database(conf, conf.command.func)


if __name__ == '__main__':
    main()
