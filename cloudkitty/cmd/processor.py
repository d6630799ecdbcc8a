"""cloudkitty-processor: the rating loop (see cloudkitty.orchestrator).

* ``cloudkitty-processor``: ``[orchestrator] max_workers`` worker
  processes rating every scope forever (SIGTERM: graceful stop).
* ``cloudkitty-processor --once [--until ISO8601]``: rate everything due
  in this process, print progress, exit 0 (1 if a scope failed).
"""

import gc
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


#: first-generation threshold of the garbage collector while rating
#: (CPython's default: 700).
GC_THRESHOLD = 10000


def _startup_over():
    """Hand the start-up objects over to the garbage collector's
    permanent generation and collect again, less often.

    NOTE(ck): start-up (imports, configuration, plugins, SQLAlchemy
    metadata) allocates a few hundred thousand objects that live as long
    as the process; the cyclic garbage collector traversed them again and
    again while they were created, then at every full collection of the
    rating loop, then in the interpreter's last collections at exit: ~0.6 s
    of a 3 s backfill. The loop allocates many short-lived containers
    (points, rows) and few cycles: collecting every 10,000 allocations
    instead of 700 keeps memory flat (see the memory figures of the
    processing benchmark) at a fraction of the cost.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()


@cmd.one_line_errors
def main(argv=None):
    # NOTE(ck): no garbage collection while starting up; see _startup_over.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv):
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(CLI_OPTS)
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:], conf)
    if conf.once:
        # NOTE(ck): a backfill neither listens nor casts on the message bus
        # (see once.run_once): oslo.messaging is not even imported.
        from cloudkitty.orchestrator import once
        until = (timing.parse_instant(conf.until, 'DEFAULT', 'until')
                 if conf.until else None)
        return once.run_once(conf, sys.stdout, until=until,
                             quiet=conf.quiet, on_ready=_startup_over)
    from cloudkitty.common import messaging
    messaging.register_opts(conf)
    from cloudkitty.orchestrator import processor
    # The workers fork from here: frozen objects also stay shared pages.
    _startup_over()
    processor.serve(conf)
    return 0


if __name__ == '__main__':
    sys.exit(main())
