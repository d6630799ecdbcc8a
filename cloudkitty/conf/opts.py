"""Option discovery for registration and for oslo-config-generator.

Every module of :mod:`cloudkitty.conf` that defines ``register_opts`` and
``list_opts`` is picked up automatically, so adding an option group is adding
one file.
"""

import importlib
import pkgutil

import cloudkitty.conf


def option_modules():
    """Return the option modules of :mod:`cloudkitty.conf`, sorted by name."""
    modules = []
    for info in sorted(pkgutil.iter_modules(cloudkitty.conf.__path__),
                       key=lambda i: i.name):
        if info.name == 'opts' or info.name.startswith('_'):
            continue
        module = importlib.import_module('cloudkitty.conf.' + info.name)
        if hasattr(module, 'list_opts') and hasattr(module, 'register_opts'):
            modules.append(module)
    return modules


def list_opts():
    """Entry point of ``oslo.config.opts``: ``[(group, [opts])]``."""
    merged = {}
    for module in option_modules():
        for group, opts in module.list_opts():
            merged.setdefault(group, []).extend(opts)
    return sorted(merged.items(), key=lambda kv: (kv[0] != 'DEFAULT', kv[0]))


def set_defaults(conf=None):
    """Entry point of ``oslo.config.opts.defaults``.

    Lets ``oslo-config-generator`` show CloudKitty's own defaults for options
    owned by other libraries (the database connection).
    """
    from oslo_config import cfg as oslo_cfg
    from oslo_db import options as db_options

    from cloudkitty.conf import database
    if conf is not None:
        database.set_defaults(conf)
    else:
        oslo_cfg.set_defaults(db_options.database_opts,
                              connection=database.DEFAULT_CONNECTION)
