"""Gnocchi collector: the aggregates API of Gnocchi 4.x.

For one metric, scope and period the collector posts one aggregation::

    POST /v1/aggregates?start=<start>&stop=<end>&granularity=<g>
         &groupby=<groupby attributes + resource_key>
    {"operations": ["aggregate", <re_aggregation_method>,
                    ["metric", <metric name>, <aggregation_method>]],
     "resource_type": <resource_type>,
     "search": {"and": [{"=": {<scope_key>: <scope id>}},
                        <resources alive during the period>,
                        <custom_query>]}}

``aggregation_method`` selects the archive-policy aggregate of each metric
at ``force_granularity`` (3600 s by default), ``re_aggregation_method``
combines the metrics of one group (one resource, as the resource key is
always part of the groupby). Each group gives one point; when the period
spans several granularity buckets they are combined the same way
(``sum``/``count`` add up, ``min``/``max`` keep the extreme, anything else
averages). Metadata come from a resource search with the same filter
(paginated); a group whose resource cannot be found is skipped with a
warning. Groups are formed on the resources' *current* attributes (see the
NOTE on ``use_history``); ``use_all_resource_revisions: false`` keeps only
the last group of each resource. ``custom_query`` is a filter in Gnocchi's
query string syntax (``flavor_name!='m1.nano'``) AND-ed to the search. A
metric that no searched resource holds (Gnocchi 404) is "no data".
"""

import decimal

from gnocchiclient import auth as gnocchi_auth
from gnocchiclient import client as gnocchi_client
from gnocchiclient import exceptions as gnocchi_exc
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log
import requests
import voluptuous as vol

from cloudkitty import collector
from cloudkitty.collector import session as ck_session

LOG = log.getLogger(__name__)

GROUP = 'collector_gnocchi'



def _quote(value):
    return '"%s"' % str(value).replace('\\', '\\\\').replace('"', '\\"')


def make_client(conf, group):
    """A gnocchiclient v1 Client configured by ``[group]``.

    :raises exception.ConfigError: incomplete authentication options.
    """
    options = conf[group]
    adapter_options = {'connect_retries': 3,
                       'region_name': options.region_name}
    if options.gnocchi_auth_type == 'basic':
        from cloudkitty import exception
        if not options.gnocchi_endpoint:
            raise exception.ConfigError(
                group=group, option='gnocchi_endpoint',
                reason='required with gnocchi_auth_type = basic')
        auth = gnocchi_auth.GnocchiBasicPlugin(
            user=options.gnocchi_user or 'admin',
            endpoint=options.gnocchi_endpoint)
        from keystoneauth1 import session as ks_session
        sess = ks_session.Session(auth=auth)
    else:
        sess = ck_session.load_session(conf, group)
        adapter_options['interface'] = options.interface
    # NOTE(ck): collection threads share the session; size its pool.
    adapter = requests.adapters.HTTPAdapter(
        pool_maxsize=options.http_pool_maxsize)
    sess.session.mount('http://', adapter)
    sess.session.mount('https://', adapter)
    return gnocchi_client.Client('1', session=sess,
                                 adapter_options=adapter_options)


def alive_during(start, end):
    """Gnocchi filter: resources existing at some point of [start, end)."""
    return {'and': [
        {'or': [{'=': {'ended_at': None}},
                {'>': {'ended_at': start.isoformat()}}]},
        {'<': {'started_at': end.isoformat()}}]}


_COMBINE = {
    'sum': sum, 'count': sum, 'max': max, 'min': min,
}


def _combine(method, values):
    if len(values) == 1:
        return values[0]
    combine = _COMBINE.get(method)
    if combine is not None:
        return combine(values)
    return sum(values) / len(values)


class GnocchiCollector(collector.BaseCollector):
    """Collector reading Gnocchi measures and resources."""

    collector_name = 'gnocchi'
    extra_args_schema = {
        vol.Required('resource_type'): vol.All(str, vol.Length(min=1)),
        vol.Optional('resource_key', default='id'): vol.All(
            str, vol.Length(min=1)),
        vol.Optional('aggregation_method', default='max'): vol.All(
            str, vol.Length(min=1)),
        vol.Optional('re_aggregation_method', default='max'): vol.All(
            str, vol.Length(min=1)),
        vol.Optional('force_granularity', default=3600): vol.All(
            int, vol.Range(min=0)),
        vol.Optional('use_all_resource_revisions', default=True): bool,
        vol.Optional('custom_query', default=''): str,
    }

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self._client = make_client(conf, GROUP)

    def _search(self, metric, start, end, scope_id):
        """Resources of the scope alive during the period (+ custom)."""
        custom = metric.extra_args['custom_query']
        if not custom:
            return {'and': [{'=': {self.scope_key: scope_id}},
                            alive_during(start, end)]}
        # NOTE(ck): custom_query is written in Gnocchi's query string
        # syntax (e.g. "flavor_name!='m1.nano'"), which cannot be mixed
        # with the JSON form: the whole filter is then a string.
        return ("%s=%s and (ended_at=null or ended_at>%s) and "
                "started_at<%s and (%s)" % (
                    self.scope_key, _quote(scope_id),
                    _quote(start.isoformat()), _quote(end.isoformat()),
                    custom))

    def fetch_all(self, metric, start, end, scope_id):
        extra = metric.extra_args
        key = extra['resource_key']
        groupby = list(metric.groupby)
        if key not in groupby:
            groupby.append(key)
        search = self._search(metric, start, end, scope_id)
        try:
            groups = self._client.aggregates.fetch(
                ['aggregate', extra['re_aggregation_method'],
                 ['metric', metric.name, extra['aggregation_method']]],
                search=search, resource_type=extra['resource_type'],
                start=start, stop=end, groupby=groupby,
                granularity=extra['force_granularity'] or None,
                needed_overlap=0,
                # NOTE(ck): Gnocchi 4.7 then matches measures against
                # resource revisions by time, which hides every measure
                # recorded before a resource's latest revision (observed):
                # group by the current attributes instead.
                use_history=False)
            resources = self._resources(metric, search) \
                if metric.metadata else {}
        except (gnocchi_exc.ClientException, ks_exc.ClientException) as err:
            if _is_missing_metric(err):
                return []
            raise collector.CollectError(metric=metric.published_name,
                                         reason=str(err))
        if not extra['use_all_resource_revisions']:
            # one group per resource: the last one wins
            latest = {}
            for group in groups:
                latest[group['group'].get(key)] = group
            groups = list(latest.values())
        result = []
        for group in groups:
            values = [decimal.Decimal(str(value)) for stamp, _gran, value in
                      group['measures']['measures']['aggregated']
                      if start <= stamp < end]
            if not values:
                continue
            attributes = dict(group['group'])
            if metric.metadata:
                resource = resources.get(attributes.get(key))
                if resource is None:
                    LOG.warning('No Gnocchi resource %s for metric %s: '
                                'skipped', attributes.get(key), metric.name)
                    continue
                attributes = dict(resource, **attributes)
            result.append((attributes,
                           _combine(extra['re_aggregation_method'], values)))
        return result

    def _resources(self, metric, search):
        extra = metric.extra_args
        key = extra['resource_key']
        found = {}
        # NOTE(ck): gnocchiclient follows the pagination links itself.
        for resource in self._client.resource.search(
                resource_type=extra['resource_type'], query=search,
                details=True, sorts=['id:asc']):
            found[resource.get(key)] = resource
        return found


def _is_missing_metric(err):
    """Gnocchi answers 404 "Metric [...] does not exist" when none of the
    searched resources holds the metric: that is "no data"."""
    return getattr(err, 'code', None) == 404 and 'does not exist' in str(err)
