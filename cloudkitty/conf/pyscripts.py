"""[pyscripts] options: the sandbox that runs rating scripts."""

from oslo_config import cfg

GROUP = 'pyscripts'

OPTS = [
    cfg.FloatOpt('cpu_time_limit',
                 default=2.0,
                 min=0.01,
                 help='CPU seconds one script may use to rate one frame '
                      '(one scope, one period). Beyond it (checked every '
                      'quarter of this budget, so at most 1.25 times it) '
                      'the rating of that frame fails.'),
    cfg.IntOpt('memory_limit_mb',
               default=512,
               min=64,
               help='Address-space limit, in MiB, of each sandbox worker '
                    'process (scripts, the frames they work on and the '
                    'interpreter itself).'),
    cfg.IntOpt('workers',
               default=1,
               min=1,
               help='Sandbox worker processes per rating process. Frames '
                    'rated in batches are spread over them.'),
    cfg.IntOpt('batch_points',
               default=2000,
               min=1,
               help='When many frames are rated at once, they are sent to '
                    'a worker in batches of about this many points (one '
                    'round trip per batch).'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
