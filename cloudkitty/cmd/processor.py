"""cloudkitty-processor: the rating loop (see cloudkitty.orchestrator).

* ``cloudkitty-processor``: ``[orchestrator] max_workers`` worker
  processes rating every scope forever (SIGTERM: graceful stop).
* ``cloudkitty-processor --once [--until ISO8601]``: rate everything due
  in this process, print progress, exit 0 (1 if a scope failed).
"""

import sys

from oslo_config import cfg

from cloudkitty import cmd
from cloudkitty.orchestrator import timing
from cloudkitty import service

CLI_OPTS = [
    cfg.BoolOpt('once', default=False,
                help='Rate every period due in this process, then exit '
                     '(backfill). Exit status 1 if a scope failed.'),
    cfg.StrOpt('until',
               help='With --once: do not rate periods starting at or '
                    'after this ISO 8601 instant.'),
    cfg.BoolOpt('quiet', default=False,
                help='With --once: print the summary only.'),
]


@cmd.one_line_errors
def main(argv=None):
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(CLI_OPTS)
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:], conf)
    from cloudkitty.common import messaging
    messaging.register_opts(conf)
    if conf.once:
        from cloudkitty.orchestrator import once
        until = (timing.parse_instant(conf.until, 'DEFAULT', 'until')
                 if conf.until else None)
        return once.run_once(conf, sys.stdout, until=until,
                             quiet=conf.quiet)
    from cloudkitty.orchestrator import processor
    processor.serve(conf)
    return 0


if __name__ == '__main__':
    sys.exit(main())
