"""Data sets of the storage contract tests.

:func:`appendix_a` is the v1 spec's Appendix A (upstream's gabbi storage
fixtures) pushed through our own storage API; :func:`v2_example` is the v2
spec's Appendix A.
"""

import datetime
import decimal

from cloudkitty import dataframe
from cloudkitty.storage import window as st_window

D = decimal.Decimal
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)

TENANT_A = '8f82cc70-e50c-466e-8624-24bdea811375'
TENANT_B = '7606a24a-b8ad-4ae0-be6c-3d7a41334a2e'
TENANT_C = '3d9a1b33-482f-42fd-aef9-b575a3da9369'
SEED_START = datetime.datetime(2015, 1, 4, 13, tzinfo=UTC)


def _points(tenant, price):
    point = dataframe.DataPoint(
        'nothing', 1, D(price),
        groupby={'fake_meta': 1.0, 'project_id': tenant},
        metadata={'dummy': True})
    return [point, point]


def seed_frame(tenant, start):
    """One hour of a seeded tenant: 2 cpu points at 1.337 and 2 image.size
    points at 0.121."""
    return dataframe.DataFrame(start, start + HOUR, {
        'cpu': _points(tenant, '1.337'),
        'image.size': _points(tenant, '0.121')})


def appendix_a_frames(now=None):
    """``[(scope_id, frame)]`` of the seeded data set."""
    frames = []
    for tenant, hours, start in (
            (TENANT_A, 56, SEED_START),
            (TENANT_B, 28, SEED_START),
            (TENANT_C, 12, st_window.month_bounds(now)[0])):
        for hour in range(hours):
            frames.append((tenant, seed_frame(tenant, start + hour * HOUR)))
    return frames


def appendix_a(backend, context):
    backend.push_many(context, appendix_a_frames())


def _v2_point(project, qty, price, day):
    return dataframe.DataPoint(
        'instance', qty, D(price),
        groupby={'id': 'res-%s-%s' % (project, qty), 'project_id': project,
                 'day_of_the_year': day, 'week_of_the_year': '05',
                 'month': '2', 'year': '2025'},
        metadata={'flavor_name': 'm1.small'})


def v2_example_frames():
    """The three frames of the v2 spec's Appendix A."""
    def frame(start, instances, images, day):
        usage = {'instance': [_v2_point(p, q, r, day)
                              for p, q, r in instances]}
        if images:
            usage['image.size'] = [_v2_point(p, q, r, day)
                                   for p, q, r in images]
        return dataframe.DataFrame(start, start + HOUR, usage)
    t0 = datetime.datetime(2025, 2, 3, tzinfo=UTC)
    t2 = datetime.datetime(2025, 2, 4, tzinfo=UTC)
    p1, p2, p3 = ('P1', 1, '0.5'), ('P2', 2, '1.25'), ('P3', 1, '0.75')
    image = ('P1', 10, '0.1')
    return [frame(t0, [p1, p2, p3], [image], '34'),
            frame(t0 + HOUR, [p1, p2, p3], [], '34'),
            frame(t2, [p1, p3], [image], '35')]
