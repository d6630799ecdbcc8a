"""Process bootstrap shared by every command and the WSGI application."""

import sys

from oslo_config import cfg
from oslo_log import log

from cloudkitty import conf as ck_conf


def prepare_service(argv=None, conf=None, config_files=None):
    """Build, parse and return a configuration, and set up logging.

    :param argv: command-line arguments without the program name; defaults
        to ``sys.argv[1:]``.
    :param conf: a ``ConfigOpts`` to fill; a fresh one when omitted.
    :param config_files: default configuration files when no
        ``--config-file`` is given (``None``: oslo.config's search path).
    :returns: the parsed ``ConfigOpts``.
    :raises oslo_config.cfg.Error: on unreadable or invalid configuration.
    """
    if argv is None:
        argv = sys.argv[1:]
    conf = conf if conf is not None else cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    # NOTE(ck): logs go to stderr unless a log file is configured, so that
    # what a command prints (cloudkitty-dbsync version) stays parseable.
    conf.set_default('use_stderr', True)
    conf(argv, project='cloudkitty', validate_default_values=True,
         default_config_files=config_files)
    validate(conf)
    log.setup(conf, 'cloudkitty')
    return conf


def validate(conf):
    """Read every option once so that a bad value stops the command now.

    oslo.config converts values lazily; without this a typo in a group the
    command does not use would only surface later, in another process.

    :raises oslo_config.cfg.Error: naming the group and option.
    """
    for name in list(conf):
        value = getattr(conf, name)
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for opt_name in list(value):
                getattr(value, opt_name)
