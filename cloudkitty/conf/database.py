"""[database] options (oslo.db), with CloudKitty's default connection."""

from oslo_db import options as db_options

DEFAULT_CONNECTION = 'sqlite:////var/lib/cloudkitty/cloudkitty.sqlite'


def set_defaults(conf):
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def register_opts(conf):
    set_defaults(conf)


def list_opts():
    # NOTE(ck): the [database] group is documented by the oslo.db namespace
    # of the generator; CloudKitty only changes the default connection.
    return []
