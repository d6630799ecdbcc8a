"""Where the time of sandboxed pyscripts goes, part by part.

``pyscripts-parts dump`` rates the shared workload with hashmap (as
``bench.py pyscripts`` does), then records what the rating process sends
to a sandbox worker: the hashmap-priced frames and the request bodies of
one worker with batches of ``--batch-points``. The other two subcommands
replay them without a database, so they also run under
``valgrind --tool=callgrind``:

* ``pyscripts-parts worker --repeat K`` runs the worker's code in-process
  on the recorded requests, K times after one untimed pass (scripts
  compiled, mappings registered);
* ``pyscripts-parts parent --repeat K`` runs ``SandboxPool.run`` (encode,
  round trip, decode) on the recorded frames with one real worker, K times
  after one untimed pass; only this process's CPU is counted.

Both print CPU microseconds per point (median of the K runs). Instruction
counts, which do not depend on the machine's load, come from the
difference between two callgrind runs, K=1 and K=3, divided by twice the
number of points (start-up and the untimed pass cancel out)::

    valgrind --tool=callgrind python tools/bench.py pyscripts-parts \\
        worker --repeat 1
"""

import gc
import marshal
import os
import statistics
import time

from benchmarks import common


def register(subparsers):
    parser = subparsers.add_parser(
        'pyscripts-parts',
        help='pyscripts sandbox cost, parent and worker apart')
    parser.add_argument('part', choices=('dump', 'worker', 'parent'))
    parser.add_argument('--size', default='medium', help='workload size')
    parser.add_argument('--batch-points', type=int, default=2000)
    parser.add_argument('--repeat', type=int, default=5,
                        help='timed passes (worker, parent)')
    parser.add_argument('--file', help='recording (default: in the '
                        'benchmark cache, per size)')
    parser.set_defaults(func=run_parts)
    return []


def _path(args):
    return args.file or os.path.join(
        common.cache_dir(), 'pyscripts-parts-%s.marshal' % args.size)


def _dump(args):
    from benchmarks import pyscripts as bench_pyscripts
    from cloudkitty import rating
    from cloudkitty.rating import pipeline
    from cloudkitty.rating.pyscripts import pool as ck_pool
    conf, ctx, _ = bench_pyscripts._setup(args.batch_points)
    frames, points, _ = common.parsed_workload(args.size)
    processors = rating.get_processors(conf)
    hashmap = pipeline.Pipeline(conf, {'hashmap': processors['hashmap']})
    hashmap.refresh(ctx)
    rated = [frame for _, frame in bench_pyscripts._rate_many(
        hashmap, ctx, frames)]
    pyscripts = processors['pyscripts']
    pyscripts.reload(ctx)
    script = pyscripts.active_scripts(rated[0].start)[0]
    # frames as plain data, their attribute mappings shared as they are
    slots, mappings = {}, []

    def slot(mapping):
        if id(mapping) not in slots:
            slots[id(mapping)] = len(mappings)
            mappings.append(dict(mapping))
        return slots[id(mapping)]

    plain = [(frame.start.isoformat(), frame.end.isoformat(), [
        (mtype, [(p.unit, str(p.qty), str(p.price), slot(p.groupby),
                  slot(p.metadata), p.description) for p in typed])
        for mtype, typed in frame.usage.items()]) for frame in rated]
    pool = ck_pool.SandboxPool(workers=1, batch_points=args.batch_points)
    bodies = []
    dumps = marshal.dumps

    def recording(obj, *rest):
        body = dumps(obj, *rest)
        bodies.append(body)
        return body

    ck_pool.marshal.dumps = recording
    try:
        pool.run([script], rated)
    finally:
        ck_pool.marshal.dumps = dumps
        pool.close()
    with open(_path(args), 'wb') as handle:
        marshal.dump({'points': points,
                      'script': (script.script_id, script.name,
                                 script.checksum, script.data),
                      'mappings': mappings, 'frames': plain,
                      'requests': bodies}, handle)
    print('%d frames, %d points, %d requests -> %s'
          % (len(plain), points, len(bodies), _path(args)))
    gc.unfreeze()
    return 0


def _load(args):
    with open(_path(args), 'rb') as handle:
        return marshal.load(handle)


def _timed(func, repeat, points):
    gc.collect()
    gc.freeze()
    seconds = []
    for _ in range(max(1, repeat)):
        start = time.process_time()
        func()
        seconds.append(time.process_time() - start)
    return statistics.median(seconds) / points * 1e6


def _worker(args):
    from cloudkitty.rating.pyscripts import sandbox
    from cloudkitty.rating.pyscripts import worker
    recorded = _load(args)
    requests = recorded['requests']
    sandbox.preload()
    runner = worker.Runner(60, 0, kernel_limits=False)
    runner.start_timer()

    def replay():
        for body in requests:
            runner.run_job(marshal.loads(body))

    replay()
    per_point = _timed(replay, args.repeat, recorded['points'])
    print('worker: %.3f us of CPU per point (%d points, %d requests)'
          % (per_point, recorded['points'], len(requests)))
    return 0


def _parent(args):
    import decimal
    import types

    from cloudkitty import dataframe
    from cloudkitty.rating.pyscripts import pool as ck_pool
    recorded = _load(args)
    mappings = [types.MappingProxyType(m) for m in recorded['mappings']]
    dec = decimal.Decimal
    frames = [dataframe.DataFrame(begin, end, {
        mtype: [dataframe.DataPoint(unit, dec(qty), dec(price),
                                    mappings[gb], mappings[md], desc)
                for unit, qty, price, gb, md, desc in points]
        for mtype, points in usage}) for begin, end, usage in recorded[
            'frames']]
    scripts = [ck_pool.Script(*recorded['script'])]
    pool = ck_pool.SandboxPool(workers=1, batch_points=args.batch_points)
    try:
        pool.run(scripts, frames)
        per_point = _timed(lambda: pool.run(scripts, frames), args.repeat,
                           recorded['points'])
    finally:
        pool.close()
    print('parent (SandboxPool.run, worker excluded): %.3f us of CPU per '
          'point (%d points)' % (per_point, recorded['points']))
    return 0


def run_parts(args):
    if args.part == 'dump':
        return _dump(args)
    if not os.path.exists(_path(args)):
        print('no recording at %s: run "pyscripts-parts dump" first'
              % _path(args))
        return 1
    return _worker(args) if args.part == 'worker' else _parent(args)
