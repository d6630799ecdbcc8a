"""[collector_file] options: the JSON Lines usage feed collector."""

from oslo_config import cfg

GROUP = 'collector_file'

OPTS = [
    cfg.StrOpt('path',
               default='',
               help='JSON Lines usage feed read by the file collector '
                    '(one data point per line, optionally gzip-compressed '
                    'when the name ends with .gz). Empty: the sample feed '
                    'bundled with CloudKitty (cloudkitty/data/'
                    'sample-usage.jsonl.gz).'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
