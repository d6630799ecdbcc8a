"""Ceilometer collector: the (retired) Ceilometer v2 statistics API.

For one metric (a Ceilometer meter), scope and period the collector makes
one statistics call grouped by resource::

    GET /v2/meters/<meter>/statistics?q.field=timestamp&q.op=ge ...
        &q.field=project_id&q.op=eq ... &q.field=timestamp&q.op=lt ...
        &groupby=resource_id

and reads the ``aggregation_method`` aggregate (``max`` by default) of
every row as the raw quantity. When the metric's groupby/metadata need more
than the resource id and the scope, the resource is described with
``GET /v2/resources/<id>``: its attributes are ``id`` (= ``resource_id``),
``project_id``, ``user_id`` and every key of its flattened metadata
(``flavor.name``, ``availability_zone``...). Descriptions are cached for
``[collector_ceilometer] resource_cache_ttl`` seconds. A resource that
cannot be described (404) is skipped with a warning.

NOTE(ck): the period is queried as ``[start, end)`` (``ge``/``lt``);
CloudKitty 2016 used ``le`` for the end bound, which counted a sample lying
exactly on a boundary in two periods.
"""

import decimal
import threading
import time

from ceilometerclient import client as ceilometer_client
from ceilometerclient import exc as ceilometer_exc
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log
import voluptuous as vol

from cloudkitty import collector
from cloudkitty.collector import session as ck_session

LOG = log.getLogger(__name__)

GROUP = 'collector_ceilometer'

AGGREGATIONS = ('max', 'min', 'avg', 'sum', 'count')

# Scope keys Ceilometer filters on directly; others go through the
# resource metadata (``metadata.<key>``).
_DIRECT_SCOPE_FIELDS = ('project_id', 'user_id')

# Attributes a statistics row or the scope already provide.
_FREE_ATTRIBUTES = ('id', 'resource_id')


def _naive_utc(moment):
    """ISO form without offset (Ceilometer drops offsets anyway)."""
    return moment.replace(tzinfo=None).isoformat()


class CeilometerCollector(collector.BaseCollector):
    """Collector for clouds still running the Ceilometer v2 API."""

    collector_name = 'ceilometer'
    extra_args_schema = {
        vol.Optional('aggregation_method', default='max'): vol.In(
            AGGREGATIONS, msg='aggregation_method must be one of '
            + ', '.join(AGGREGATIONS)),
    }

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self._session = ck_session.load_session(conf, GROUP)
        self._options = conf[GROUP]
        self._client = None
        self._client_lock = threading.Lock()
        self._resources = {}
        self._resources_lock = threading.Lock()

    def _get_client(self):
        # NOTE(ck): built lazily: with a keystoneauth session the client
        # probes the service at construction, which may fail transiently;
        # that must be a retryable CollectError, not a startup failure.
        with self._client_lock:
            if self._client is None:
                self._client = ceilometer_client.get_client(
                    '2', session=self._session,
                    interface=self._options.interface,
                    region_name=self._options.region_name)
            return self._client

    def _scope_filter(self, scope_id):
        field = self.scope_key
        if field not in _DIRECT_SCOPE_FIELDS:
            field = 'metadata.' + field
        return {'field': field, 'op': 'eq', 'value': scope_id}

    def fetch_all(self, metric, start, end, scope_id):
        method = metric.extra_args['aggregation_method']
        query = [{'field': 'timestamp', 'op': 'ge',
                  'value': _naive_utc(start)},
                 self._scope_filter(scope_id),
                 {'field': 'timestamp', 'op': 'lt',
                  'value': _naive_utc(end)}]
        try:
            client = self._get_client()
            rows = client.statistics.list(metric.name, q=query,
                                          groupby=['resource_id'])
            needs_details = any(
                name not in _FREE_ATTRIBUTES and name != self.scope_key
                for name in metric.groupby + metric.metadata)
            result = []
            for row in rows:
                resource_id = row.groupby['resource_id']
                if needs_details:
                    attributes = self._describe(client, resource_id)
                    if attributes is None:
                        LOG.warning('Resource %s of metric %s has no '
                                    'details in Ceilometer: skipped',
                                    resource_id, metric.name)
                        continue
                else:
                    attributes = {'id': resource_id,
                                  'resource_id': resource_id,
                                  self.scope_key: scope_id}
                value = getattr(row, method)
                # NOTE(ck): JSON floats go through their shortest repr, so
                # 13167616.0 stays exactly 13167616.
                result.append((attributes, decimal.Decimal(str(value))))
            return result
        except (ceilometer_exc.BaseException, ks_exc.ClientException) as err:
            raise collector.CollectError(metric=metric.published_name,
                                         reason=str(err))

    def _describe(self, client, resource_id):
        ttl = self._options.resource_cache_ttl
        now = time.monotonic()
        with self._resources_lock:
            cached = self._resources.get(resource_id)
        if cached is not None and now - cached[0] < ttl:
            return cached[1]
        try:
            resource = client.resources.get(resource_id)
        except ceilometer_exc.HTTPNotFound:
            return None
        if resource is None:
            return None
        attributes = dict(getattr(resource, 'metadata', None) or {})
        attributes.update({'id': resource_id, 'resource_id': resource_id,
                           'project_id': getattr(resource, 'project_id',
                                                 None),
                           'user_id': getattr(resource, 'user_id', None)})
        if ttl:
            with self._resources_lock:
                if len(self._resources) > 100000:
                    self._resources.clear()
                self._resources[resource_id] = (now, attributes)
        return attributes
