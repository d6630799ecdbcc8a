"""PyScripts benchmark: hashmap + the sandboxed egress_tier script.

``pyscripts``: load ``rules.json`` (modules, hashmap and the pyscript)
into a fresh SQLite database through the DB layers, parse the usage into
frames (one per scope and period), then time, over every frame, rules
loaded and sandbox workers started:

* ``hashmap``: hashmap alone (the reference the script adds to);
* ``per_frame``: ``Pipeline.rate``, one frame at a time (one sandbox round
  trip per frame);
* ``batched_w<N>``: ``Pipeline.rate_many`` over every frame at once (one
  round trip per batch of ``[pyscripts] batch_points`` points) with N
  sandbox workers.

Totals of every variant are checked against each other. As in the rating
benchmark, ``gc.freeze()`` keeps the parsed workload out of the
collector's reach and the timed runs keep the cyclic collector off: every
rated frame is kept here, and collections over that growing heap would
measure the harness (a processor holds one batch at a time).
"""

import datetime
import gc
import os

from benchmarks import common


def register(subparsers):
    parser = subparsers.add_parser(
        'pyscripts', help='hashmap + sandboxed pyscripts points/s')
    parser.add_argument('--size', default='medium', help='workload size')
    parser.add_argument('--runs', type=int, default=5,
                        help='timed runs per variant (>= 3)')
    parser.add_argument('--workers', default='1,2',
                        help='comma-separated sandbox worker counts')
    parser.add_argument('--batch-points', type=int, default=2000)
    parser.add_argument('--script', choices=('shared', 'reprice'),
                        default='shared',
                        help='the shared workload\'s egress_tier script, or '
                             'a script in the upstream style that reprices '
                             'every point (REPRICE)')
    parser.add_argument('--cpu', type=int,
                        help='run on this CPU only, sandbox workers '
                             'included (they inherit the affinity): the '
                             'one-core figure on one core indeed')
    parser.add_argument('--out', help='append results (JSON lines) here')
    parser.set_defaults(func=run_pyscripts)
    return ['pyscripts']


# NOTE(ck): a script in the style of the upstream user guide: a price
# table, every point of every type repriced in place (overwriting hashmap's
# price). The shared script only touches the egress beyond a tier, so it
# leaves most frames untouched; this one changes every point.
REPRICE = """\
import decimal

PRICES = {
    "instance": decimal.Decimal("0.05"),
    "volume.size": decimal.Decimal("0.0012"),
    "image.size": decimal.Decimal("0.0004"),
}
DEFAULT = decimal.Decimal("0.00002")

for service, points in data["usage"].items():
    unit_price = PRICES.get(service, DEFAULT)
    for point in points:
        qty = decimal.Decimal(point["vol"]["qty"])
        point["rating"]["price"] = qty * unit_price
"""


def _setup(batch_points, script='shared'):
    from cloudkitty.rating.pyscripts import db as pyscripts_db
    from cloudkitty.tests import bench_rules
    conf, ctx = common.database()
    conf.set_override('batch_points', batch_points, group='pyscripts')
    if script == 'shared':
        bench_rules.load_rules(ctx, conf,
                               parts=('modules', 'hashmap', 'pyscripts'))
    else:
        bench_rules.load_rules(ctx, conf, parts=('modules', 'hashmap'))
        pyscripts_db.create_script(ctx, 'reprice_all', REPRICE,
                                   start=datetime.datetime(2000, 1, 1),
                                   force=True)
    return conf, ctx, bench_rules


def _rate_many(pipe, ctx, frames):
    from cloudkitty import exception
    results = pipe.rate_many(ctx, [(frame, scope) for scope, frame in frames])
    for result in results:
        if isinstance(result, exception.RatingError):
            raise result
    return [(scope, result) for (scope, _), result in zip(
        frames, results, strict=True)]


def _workers_cpu(processor):
    """User+system CPU seconds used so far by the sandbox workers."""
    if processor is None:
        return 0.0
    total = 0
    for pid in processor._get_pool().worker_pids():
        with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def _worker_cpus(processor):
    """The CPUs the sandbox workers may run on (what ``--cpu`` set)."""
    cpus = set()
    for pid in processor._get_pool().worker_pids():
        cpus.update(os.sched_getaffinity(pid))
    return sorted(cpus)


def run_pyscripts(args):
    from cloudkitty import rating
    from cloudkitty.rating import pipeline
    if args.cpu is not None:
        # NOTE(ck): before any worker starts: a child process inherits the
        # affinity of its parent.
        os.sched_setaffinity(0, {args.cpu})
    conf, ctx, bench_rules = _setup(args.batch_points, args.script)
    runs = max(3, args.runs)
    frames, points, parse_s = common.parsed_workload(args.size)
    figures = {'size': args.size, 'script': args.script, 'points': points,
               'frames': len(frames),
               'parse_s': round(parse_s, 3),
               'batch_points': args.batch_points,
               'cpus': sorted(os.sched_getaffinity(0))}
    totals = {}

    def measure(name, func, pyscripts=None):
        func()                          # warm caches, start workers
        before = _workers_cpu(pyscripts)
        seconds, rated = common.repeat(func, runs, no_gc=True)
        totals[name] = bench_rules.totals(rated)['total']
        del rated
        figures[name] = common.summary(seconds, points)
        if pyscripts is not None:
            # NOTE(ck): CPU of the sandbox workers, per run: with the
            # parent's cpu_* figures, the whole cost whatever the load.
            workers_s = (_workers_cpu(pyscripts) - before) / runs
            figures[name]['workers_cpu_s_per_run'] = round(workers_s, 3)
            figures[name]['total_cpu_per_s'] = int(
                points / (figures[name]['cpu_median_s'] + workers_s))

    processors = rating.get_processors(conf)
    hashmap = pipeline.Pipeline(conf, {'hashmap': processors['hashmap']})
    hashmap.refresh(ctx)
    measure('hashmap', lambda: _rate_many(hashmap, ctx, frames))
    pipe = pipeline.Pipeline(conf, processors=processors)
    pipe.refresh(ctx)
    measure('per_frame', lambda: [(scope, pipe.rate(ctx, frame, scope))
                                  for scope, frame in frames],
            processors['pyscripts'])
    figures['per_frame']['worker_cpus'] = _worker_cpus(
        processors['pyscripts'])
    processors['pyscripts'].close()
    for workers in [int(w) for w in args.workers.split(',') if w.strip()]:
        conf.set_override('workers', workers, group='pyscripts')
        batched = rating.get_processors(conf)
        pipe = pipeline.Pipeline(conf, processors=batched)
        pipe.refresh(ctx)
        measure('batched_w%d' % workers,
                lambda pipe=pipe: _rate_many(pipe, ctx, frames),
                batched['pyscripts'])
        batched['pyscripts'].close()
    scripted = {name: str(total) for name, total in totals.items()
                if name != 'hashmap'}
    figures['totals'] = {'hashmap': str(totals['hashmap']), **scripted}
    figures['totals_agree'] = len(set(scripted.values())) == 1
    common.report('rating hashmap+pyscripts %s (%s script)'
                  % (args.size, args.script), figures, args.out)
    gc.unfreeze()
    gc.collect()
    return 0 if figures['totals_agree'] else 1
