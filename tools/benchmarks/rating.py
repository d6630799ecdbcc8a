"""Rating benchmarks: hashmap points/s and per-frame overhead.

``rating``: load ``rules.json`` (modules + hashmap) into a fresh SQLite
database through the DB layer, enable hashmap only, parse the usage of each
size into frames (one per scope and period), then time the pipeline over
every frame, rules already loaded. Parsing is timed separately. After
parsing, ``gc.freeze()`` moves the parsed workload out of the collector's
reach, and the timed runs keep the cyclic collector off, as :mod:`timeit`
does: a processor holds one period at a time, while here every rated frame
is kept, and collections over that growing heap would dominate (and make
runs bimodal).

``frame-overhead``: what a frame costs besides pricing its points: a frame
whose points have no hashmap service, an empty frame, a refresh (the
module-state and rules-generation queries), and a refresh after a rule
change (every rule reloaded, then compiled by the next frame).
"""

import gc

from benchmarks import common


def register(subparsers):
    parser = subparsers.add_parser('rating', help='hashmap points/s')
    parser.add_argument('--sizes', default='medium,large',
                        help='comma-separated workload sizes')
    parser.add_argument('--runs', type=int, default=5,
                        help='timed runs per size (>= 3)')
    parser.add_argument('--out', help='append results (JSON lines) here')
    parser.add_argument('--expected', action='append', default=[],
                        metavar='FILE',
                        help='reference totals (reference_rate.py output) '
                             'to check against; used for the size whose '
                             'point count matches (repeatable)')
    parser.set_defaults(func=run_rating)
    parser = subparsers.add_parser('frame-overhead',
                                   help='per-frame cost outside pricing')
    parser.add_argument('--frames', type=int, default=20000)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--out')
    parser.set_defaults(func=run_frame_overhead)
    return ['rating', 'frame-overhead']


def _hashmap_pipeline():
    from cloudkitty.rating import modules
    from cloudkitty.rating import pipeline
    from cloudkitty.tests import bench_rules
    conf, ctx = common.database()
    bench_rules.load_rules(ctx, conf, parts=('modules', 'hashmap'))
    for info in modules.list_modules(ctx, conf):
        if info.module_id != 'hashmap':
            modules.update_module(ctx, conf, info.module_id, enabled=False)
    modules.update_module(ctx, conf, 'hashmap', enabled=True)
    pipe = pipeline.Pipeline(conf)
    pipe.refresh(ctx)
    return pipe, ctx


def run_rating(args):
    from cloudkitty.tests import bench_rules
    pipe, ctx = _hashmap_pipeline()
    runs = max(3, args.runs)
    for size in [s.strip() for s in args.sizes.split(',') if s.strip()]:
        frames, points, parse_s = common.parsed_workload(size)

        def rate_all(frames=frames):
            return [(scope, pipe.rate(ctx, frame, scope))
                    for scope, frame in frames]
        rate_all()                      # warm the pricer caches
        seconds, rated = common.repeat(rate_all, runs, no_gc=True)
        totals = bench_rules.totals(rated)
        del rated
        figures = {'points': points, 'frames': len(frames),
                   'modules': pipe.active_modules,
                   'parse_s': round(parse_s, 3),
                   'total': str(totals['total'])}
        expected = common.expected(size, args.expected, points)
        if expected is not None:
            # NOTE(ck): a fast wrong answer is not a result.
            figures['matches_expected'] = not bench_rules.differences(
                totals, expected['hashmap'])
        figures.update(common.summary(seconds, points))
        common.report('rating hashmap %s' % size, figures, args.out)
        del frames
        gc.unfreeze()
        gc.collect()
    return 0


def run_frame_overhead(args):
    import datetime

    from cloudkitty import dataframe
    from cloudkitty.rating import modules
    pipe, ctx = _hashmap_pipeline()
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    end = start + datetime.timedelta(hours=1)
    point = dataframe.DataPoint('u', 1, 0, {'project_id': 'p'}, {})
    unpriced = [dataframe.DataFrame(start, end, {'unknown.metric': [point]})
                for _ in range(args.frames)]
    empty = [dataframe.DataFrame(start, end, {}) for _ in range(args.frames)]
    runs = max(3, args.runs)
    figures = {'modules': pipe.active_modules, 'frames': args.frames}
    for name, frames in (('unpriced_frame', unpriced), ('empty_frame',
                                                        empty)):
        seconds, _ = common.repeat(
            lambda frames=frames: [pipe.rate(ctx, f, 'p') for f in frames],
            runs)
        stats = common.summary(seconds)
        figures[name + '_us'] = {
            key: round(stats[key + '_s'] / args.frames * 1e6, 3)
            for key in ('median', 'min', 'max')}
    seconds, _ = common.repeat(lambda: pipe.refresh(ctx), runs * 20)
    stats = common.summary(seconds)
    figures['refresh_ms'] = {key: round(stats[key + '_s'] * 1e3, 3)
                             for key in ('median', 'min', 'max')}

    def reload_after_change():
        # a rule write bumps the stamp: refresh reloads every rule and the
        # first frame compiles the rules in force
        modules.bump_rules_generation(ctx)
        pipe.refresh(ctx)
        pipe.rate(ctx, unpriced[0], 'p')
    seconds, _ = common.repeat(reload_after_change, runs * 4)
    stats = common.summary(seconds)
    figures['reload_after_change_ms'] = {
        key: round(stats[key + '_s'] * 1e3, 3)
        for key in ('median', 'min', 'max')}
    common.report('rating frame overhead', figures, args.out)
    return 0
