"""The shared rating benchmark workload (``../shared/bench`` layout).

Used by the tests (correctness gate) and by ``tools/bench.py``:

* :func:`load_rules` applies ``rules.json`` (v1 REST requests) through the
  DB layer, resolving ``$ref`` and ``$file`` values;
* :func:`read_frames` parses a usage JSON Lines file into frames, one per
  (scope, period), in file order;
* :func:`totals` sums rated frames the way ``expected.json`` does.

Other areas register the parts they own in :data:`HANDLERS` (e.g. the
pyscripts module adds a ``"pyscripts"`` handler).
"""

import collections
import datetime
import decimal
import json
import os
import sys

from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty.rating import modules
from cloudkitty.rating import validity

D = decimal.Decimal
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def bench_dir():
    """Directory of the shared workload.

    ``CK_BENCH_DIR`` when set; otherwise ``shared/bench`` beside the
    repository (where CI and the developers' machines keep it).
    """
    if os.environ.get('CK_BENCH_DIR'):
        return os.environ['CK_BENCH_DIR']
    return os.path.join(os.path.dirname(_REPO), 'shared', 'bench')


def require_bench_dir():
    """The workload directory; skip without it (fail under ``CI=true``)."""
    directory = bench_dir()
    if not os.path.exists(os.path.join(directory, 'gen_usage.py')):
        from cloudkitty.tests import db_backends
        db_backends.unavailable('shared benchmark workload not found in %s '
                                '(set CK_BENCH_DIR)' % directory)
    return directory


def _datetime(text):
    if text is None:
        return None
    value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    return validity.naive_utc(value)


def _modules(context, conf, request, body):
    module_id = request['path'].rstrip('/').rsplit('/', 1)[1]
    try:
        modules.update_module(context, conf, module_id,
                              enabled=body.get('enabled'),
                              priority=body.get('priority'))
    except exception.ModuleNotFound:
        return None
    return None


def _hashmap(context, conf, request, body):
    from cloudkitty.rating.hashmap import db as hashmap_db
    kind = request['path'].rstrip('/').rsplit('/', 1)[1]
    force = str((request.get('query') or {}).get('force', '')).lower() in (
        'true', '1', 'yes')
    if kind == 'groups':
        return hashmap_db.create_group(context, body['name'])
    if kind == 'services':
        return hashmap_db.create_service(context, body['name'])
    if kind == 'fields':
        return hashmap_db.create_field(context, body['service_id'],
                                       body['name'])
    if kind == 'mappings':
        return hashmap_db.create_mapping(
            context, body['cost'], type=body.get('type', 'flat'),
            value=body.get('value'), service_id=body.get('service_id'),
            field_id=body.get('field_id'), group_id=body.get('group_id'),
            tenant_id=body.get('tenant_id'),
            start=_datetime(body.get('start')),
            end=validity.normalize_end(_datetime(body.get('end')),
                                       body.get('end')),
            name=body.get('name'), description=body.get('description'),
            force=force)
    if kind == 'thresholds':
        return hashmap_db.create_threshold(
            context, body['level'], body['cost'],
            type=body.get('type', 'flat'),
            service_id=body.get('service_id'),
            field_id=body.get('field_id'), group_id=body.get('group_id'),
            tenant_id=body.get('tenant_id'))
    raise ValueError('unknown hashmap request %s' % request['path'])


def _pyscripts(context, conf, request, body):
    from cloudkitty.rating.pyscripts import db as pyscripts_db
    if not request['path'].rstrip('/').endswith('/scripts'):
        raise ValueError('unknown pyscripts request %s' % request['path'])
    force = str((request.get('query') or {}).get('force', '')).lower() in (
        'true', '1', 'yes')
    return pyscripts_db.create_script(
        context, body['name'], body.get('data'), start=body.get('start'),
        end=body.get('end'), description=body.get('description'),
        force=force)


# part of rules.json -> handler(context, conf, request, resolved body)
HANDLERS = {'modules': _modules, 'hashmap': _hashmap,
            'pyscripts': _pyscripts}


def load_rules(context, conf, parts=('modules', 'hashmap'), path=None):
    """Apply the requests of ``rules.json`` for ``parts``, in order.

    :returns: ``{ref: created object}``.
    """
    path = path or os.path.join(bench_dir(), 'rules.json')
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding='utf-8') as handle:
        document = json.load(handle)
    refs = {}

    def resolve(value):
        if isinstance(value, str) and value.startswith('$ref:'):
            ref = value[5:]
            return getattr(refs[ref][0], refs[ref][1])
        if isinstance(value, dict) and set(value) == {'$file'}:
            with open(os.path.join(base, value['$file']),
                      encoding='utf-8') as handle:
                return handle.read()
        return value

    created = {}
    for part in parts:
        handler = HANDLERS[part]
        for request in document.get(part, ()):
            body = {key: resolve(value)
                    for key, value in request.get('body', {}).items()}
            result = handler(context, conf, request, body)
            if 'ref' in request:
                refs[request['ref']] = (result, request.get('returns'))
                created[request['ref']] = result
    return created


def read_frames(path):
    """``[(scope_id, DataFrame)]``, one frame per (scope, begin), in file
    order; quantities are exact decimals."""
    frames = collections.OrderedDict()
    # NOTE(ck): as a collector does, one mapping per resource, not per
    # point, and one string per metric for its type and unit (a collector
    # takes both from its metric definition)
    intern = dataframe.MappingInterner()
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            row = json.loads(line, parse_float=D)
            key = (row['scope_id'], row['begin'])
            entry = frames.get(key)
            if entry is None:
                entry = frames[key] = (row['end'], {})
            entry[1].setdefault(sys.intern(row['service']), []).append(
                dataframe.DataPoint(sys.intern(row['unit']), row['qty'], 0,
                                    intern(row['groupby']),
                                    intern(row['metadata'])))
    return [(scope, dataframe.DataFrame(begin, end, usage))
            for (scope, begin), (end, usage) in frames.items()]


def totals(rated):
    """Totals of ``[(scope_id, rated frame)]`` in expected.json's shape
    (Decimal values)."""
    per_scope = collections.defaultdict(D)
    per_service = collections.defaultdict(D)
    per_scope_service = collections.defaultdict(D)
    total = D(0)
    points = 0
    for scope, frame in rated:
        for service, point in frame.iterpoints():
            per_scope[scope] += point.price
            per_service[service] += point.price
            per_scope_service['%s/%s' % (scope, service)] += point.price
            total += point.price
            points += 1
    return {'points': points, 'total': total, 'per_scope': dict(per_scope),
            'per_service': dict(per_service),
            'per_scope_service': dict(per_scope_service)}


TOLERANCE = D('0.005')


def differences(got, expected, tolerance=TOLERANCE):
    """Keys whose totals differ by ``tolerance`` or more (empty: pass)."""
    bad = []
    if got['points'] != expected['points']:
        bad.append(('points', got['points'], expected['points']))
    if abs(got['total'] - D(expected['total'])) >= tolerance:
        bad.append(('total', got['total'], expected['total']))
    for section in ('per_scope', 'per_service', 'per_scope_service'):
        keys = set(got[section]) | set(expected[section])
        for key in sorted(keys):
            mine = got[section].get(key, D(0))
            theirs = D(expected[section].get(key, '0'))
            if abs(mine - theirs) >= tolerance:
                bad.append((section + ':' + key, mine, theirs))
    return bad
