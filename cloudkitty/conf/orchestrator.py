"""[orchestrator] options: the processor."""

import os

from oslo_config import cfg

GROUP = 'orchestrator'

OPTS = [
    cfg.StrOpt('coordination_url',
               default='file:///var/lib/cloudkitty/locks',
               help='tooz coordination backend URL used to share scopes '
                    'between processors (file://, redis://, etcd3+http://, '
                    '...).'),
    cfg.IntOpt('max_workers',
               default=os.cpu_count() or 1,
               sample_default=4,
               min=0,
               help='Number of rating worker processes of '
                    'cloudkitty-processor.'),
    cfg.IntOpt('max_workers_reprocessing',
               default=os.cpu_count() or 1,
               sample_default=4,
               min=0,
               help='Number of worker processes executing reprocessing '
                    'tasks.'),
    cfg.IntOpt('max_threads',
               default=16,
               min=1,
               deprecated_name='max_greenthreads',
               help='Collection threads of one worker.'),
    cfg.StrOpt('skip_datapoints_expression',
               default='False',
               help='Expression evaluated on each rated point (as '
                    '`datapoint`); the points for which it is true are not '
                    'stored. Metrics may override it.'),
    cfg.IntOpt('collector_request_timeout',
               default=300,
               min=30,
               help='Seconds allowed for the collection of one scope and '
                    'period.'),
    cfg.IntOpt('batch_points',
               default=5000,
               min=1,
               help='Rated periods of one scope are stored together, in one '
                    'transaction, until they hold this many points (or '
                    'batch_periods periods): a backfill commits once per '
                    'batch instead of once per period. A batch is stored '
                    'entirely or not at all.'),
    cfg.IntOpt('batch_periods',
               default=24,
               min=1,
               help='Most periods of one scope stored in one transaction '
                    '(see batch_points). 1 = one transaction per period.'),
    cfg.IntOpt('skip_period_after_failures',
               default=0,
               min=0,
               help='Give a period of a scope up after it failed this many '
                    'times in a row (its collection or its rating: a '
                    'backend error, a failing pyscript): the scope state '
                    'moves past it with nothing stored for it, an ERROR '
                    'names the scope, the period and the last error, and '
                    'the next periods are rated. 0 (default): never; the '
                    'period is retried, with backoff, until it succeeds, so '
                    'that no period is ever missing from the reports.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
