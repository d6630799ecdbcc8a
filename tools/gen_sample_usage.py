#!/usr/bin/env python3
"""Generate the quick start's sample usage feed (deterministic, stdlib only).

Writes JSON Lines in the benchmark feed format (one data point per line:
scope_id, begin, end, service, unit, qty, groupby, metadata), gzip
compressed when the output name ends with ``.gz``. The bundled file
``cloudkitty/data/sample-usage.jsonl.gz`` is this tool's default output::

    python3 tools/gen_sample_usage.py \\
        --out cloudkitty/data/sample-usage.jsonl.gz

A small cloud: a few projects with instances (which come and go during the
week), volumes, images, floating IPs and instance egress, hourly for a week.
Every value is derived from a BLAKE2b hash of names and indexes, so the
output only depends on the arguments. ``--start`` moves the week (e.g. to
the current month, so that the default report window shows it).
"""

import argparse
import datetime
import gzip
import hashlib
import io
import json
import sys

PROJECTS = ('demo', 'web-shop', 'analytics', 'ci-runners')
FLAVORS = (('m1.tiny', 1, 512), ('m1.small', 1, 2048),
           ('m1.medium', 2, 4096), ('m1.large', 4, 8192))
IMAGES = (('cirros-0.6', '0c1f6a5e-8f7b-4c1e-9b1a-5d3e2f1a0b01'),
          ('ubuntu-24.04', '0c1f6a5e-8f7b-4c1e-9b1a-5d3e2f1a0b02'),
          ('windows-2022', '0c1f6a5e-8f7b-4c1e-9b1a-5d3e2f1a0b03'))
VOLUME_TYPES = ('standard', 'ssd')
DEFAULT_START = '2025-01-06T00:00:00+00:00'


def _h(*parts):
    text = '\x1f'.join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(),
                          'big')


def _pick(table, *parts):
    return table[_h(*parts) % len(table)]


def _hex32(*parts):
    text = '\x1f'.join(str(p) for p in parts).encode()
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _uuid(*parts):
    h = _hex32(*parts)
    return '%s-%s-%s-%s-%s' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def project_id(name):
    """Keystone-style id (32 hex) of a sample project."""
    return _hex32('cloudkitty-sample-project', name)


def resources(p, name):
    """(service, unit, id, metadata, lifetime, qty function) of a project."""
    pid = project_id(name)
    user = _hex32('user', name)
    out = []
    for i in range(2 + _h('n-inst', name) % 3):
        flavor = _pick(FLAVORS, 'flavor', name, i)
        image = _pick(IMAGES, 'image', name, i)
        vm = _uuid('vm', name, i)
        # instances live between a start hour and an end hour of the week
        first = 0 if i == 0 else _h('born', name, i) % 72
        last = 168 if i % 2 == 0 else first + 24 + _h('life', name, i) % 96
        meta = {'flavor_name': flavor[0], 'flavor_id': _uuid('fl', flavor[0]),
                'image_id': image[1], 'vcpus': flavor[1], 'ram': flavor[2],
                'availability_zone': 'nova'}
        out.append(('instance', 'instance', vm, meta, (first, last),
                    lambda h: '1'))
        base = 1 + _h('egress', name, i) % 400

        def egress(h, base=base, name=name, i=i):
            # diurnal: busier in the afternoon, 3 decimals (MB)
            factor = 1 + (1 if 12 <= h % 24 < 20 else 0)
            jitter = _h('eg', name, i, h) % 1000
            return '%d.%03d' % (base * factor + jitter // 10, jitter)
        out.append(('network.outgoing.bytes', 'MB', _uuid('port', name, i),
                    {'instance_id': vm}, (first, last), egress))
    for i in range(1 + _h('n-vol', name) % 2):
        size = (10, 20, 50, 100)[_h('vsize', name, i) % 4]
        out.append(('volume.size', 'GiB', _uuid('vol', name, i),
                    {'volume_type': _pick(VOLUME_TYPES, 'vtype', name, i)},
                    (0, 168), lambda h, size=size: str(size)))
    image_mib = '%d.%03d' % (200 + _h('img', name) % 3000,
                             _h('imgf', name) % 1000)
    out.append(('image.size', 'MiB', _uuid('img', name),
                {'container_format': 'bare', 'disk_format': 'qcow2'},
                (0, 168), lambda h: image_mib))
    for i in range(1 + p % 2):
        first = 0 if i == 0 else 48
        out.append(('ip.floating', 'ip', _uuid('fip', name, i),
                    {'state': '1'}, (first, 168), lambda h: '1'))
    return pid, user, out


def iter_lines(start, hours):
    owned = [resources(p, name) for p, name in enumerate(PROJECTS)]
    for h in range(hours):
        begin = start + datetime.timedelta(hours=h)
        end = begin + datetime.timedelta(hours=1)
        for pid, user, items in owned:
            for service, unit, rid, meta, (first, last), qty in items:
                if not first <= h % 168 < last:
                    continue
                yield ('{"scope_id":"%s","begin":"%s","end":"%s",'
                       '"service":"%s","unit":"%s","qty":%s,"groupby":%s,'
                       '"metadata":%s}\n') % (
                    pid, begin.isoformat(), end.isoformat(), service, unit,
                    qty(h), json.dumps({'id': rid, 'project_id': pid,
                                        'user_id': user},
                                       separators=(',', ':')),
                    json.dumps(meta, separators=(',', ':')))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--start', default=DEFAULT_START,
                        help='first hour (ISO 8601, UTC when naive)')
    parser.add_argument('--days', type=int, default=7)
    parser.add_argument('--out', default='-',
                        help="output file ('-': stdout; .gz: gzip)")
    args = parser.parse_args(argv)
    start = datetime.datetime.fromisoformat(args.start.replace('Z',
                                                               '+00:00'))
    if start.tzinfo is None:
        start = start.replace(tzinfo=datetime.UTC)
    start = start.astimezone(datetime.UTC).replace(minute=0, second=0,
                                                   microsecond=0)
    text = ''.join(iter_lines(start, args.days * 24))
    if args.out == '-':
        sys.stdout.write(text)
    elif args.out.endswith('.gz'):
        buffer = io.BytesIO()
        # mtime=0: the compressed bytes depend on the content only
        with gzip.GzipFile(fileobj=buffer, mode='wb', mtime=0) as handle:
            handle.write(text.encode())
        with open(args.out, 'wb') as handle:
            handle.write(buffer.getvalue())
    else:
        with open(args.out, 'w', encoding='utf-8') as handle:
            handle.write(text)


if __name__ == '__main__':
    main()
