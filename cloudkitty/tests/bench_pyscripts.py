"""Bulk rating helpers for the shared benchmark workload with scripts.

(The ``"pyscripts"`` part of ``rules.json`` is loaded by
:mod:`cloudkitty.tests.bench_rules`.) :func:`rate_batched` rates many
frames with one sandbox round trip per batch, as bulk rating (benchmarks,
re-rating) can.
"""

from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.rating import modules


def enabled_processors(context, conf, processors=None):
    """Enabled modules in pipeline order (priority desc, then id), rules
    loaded."""
    processors = processors or rating.get_processors(conf)
    infos = [i for i in modules.list_modules(context, conf)
             if i.enabled and i.module_id in processors]
    infos.sort(key=lambda info: (-info.priority, info.module_id))
    ordered = [processors[i.module_id] for i in infos]
    for proc in ordered:
        proc.reload(context)
    return ordered


def rate_batched(ordered, frames):
    """Rate ``[(scope_id, frame)]`` through ``ordered`` processors; a
    processor with ``process_many`` gets every frame at once.

    :raises cloudkitty.exception.RatingError: first failure.
    """
    current = list(frames)
    for proc in ordered:
        if hasattr(proc, 'process_many'):
            results = proc.process_many(
                [(frame, scope, frame.start) for scope, frame in current])
            for result in results:
                if isinstance(result, exception.RatingError):
                    raise result
        else:
            results = [proc.process(frame, scope, frame.start)
                       for scope, frame in current]
        current = [(scope, result) for (scope, _), result in zip(
            current, results, strict=True)]
    return current

