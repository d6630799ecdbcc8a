"""[reprocessing] options: how soon processors notice v2 API work
(reprocessing schedules, scope resets)."""

from oslo_config import cfg

GROUP = 'reprocessing'

OPTS = [
    cfg.IntOpt('poll_interval',
               default=60,
               min=1,
               help='Longest sleep, in seconds, of an idle processor '
                    'between two rounds over the scopes. Reprocessing '
                    'schedules and scope resets made through the v2 API '
                    'are picked up at the next round; without this bound '
                    'an idle processor sleeps until the next period '
                    'boundary.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
