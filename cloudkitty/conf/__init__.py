"""Configuration options of CloudKitty.

Options are declared per group in the modules of this package, each with a
``register_opts(conf)`` and a ``list_opts()``. Nothing is registered at import
time: commands and the WSGI entry point build a fresh ``ConfigOpts`` and call
:func:`register_opts` on it (see :mod:`cloudkitty.service`).
"""

from oslo_log import log

from cloudkitty.conf import opts


def register_opts(conf):
    """Register every CloudKitty option group (and oslo.log's) on ``conf``."""
    log.register_options(conf)
    for module in opts.option_modules():
        module.register_opts(conf)
