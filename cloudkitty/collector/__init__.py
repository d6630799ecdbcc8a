"""Collectors: usage of one scope over one period -> data points.

A collector plugin (entry point namespace :data:`NAMESPACE`) implements
:meth:`BaseCollector.fetch_all`, which yields the *raw* measurements of one
metric: ``(attributes, raw_quantity)`` pairs. The base class turns them into
:class:`cloudkitty.dataframe.DataPoint` objects of the shape every collector
shares (spec v1 section 2.4):

* ``groupby``: the metric's groupby attributes (scope key included), then
  the calendar keys ``week_of_the_year``, ``day_of_the_year``, ``month``,
  ``year`` of the period start;
* ``metadata``: the metric's metadata attributes (missing -> ``""``);
* ``qty``: ``raw * factor + offset`` then ``mutate``; ``unit`` and
  ``description`` from the metric definition.

Errors: "no data" is an empty list, never an exception. Anything that went
wrong while collecting is a :class:`CollectError`, which the processor
treats as retryable (the period is not committed).
"""

import abc
import datetime
import importlib.metadata

from oslo_log import log
from stevedore import driver
from stevedore import exception as stevedore_exc

from cloudkitty.collector import metrics as ck_metrics
from cloudkitty import dataframe
from cloudkitty import exception

LOG = log.getLogger(__name__)

NAMESPACE = 'cloudkitty.collector.backends'

CALENDAR_KEYS = ('week_of_the_year', 'day_of_the_year', 'month', 'year')


class CollectError(exception.CloudKittyException):
    """Collection failed; retry the period later (nothing is stored)."""

    msg_fmt = 'Collection of %(metric)s failed: %(reason)s'


class NoDataCollected(exception.CloudKittyException):
    """Raised by a plugin to say "nothing for this metric and period"."""

    msg_fmt = 'No data collected for %(metric)s'


class UnknownMetric(exception.NotFound):
    msg_fmt = 'No metric published as %(metric)s in the metrics file.'


def _utc(value):
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


#: calendar keys of the last period starts seen (bounded, see below).
_CALENDAR = {}
_CALENDAR_SIZE = 1024


def calendar_keys(start):
    """The four calendar groupby keys of a period start (strings)."""
    start = _utc(start)
    # NOTE(ck): every metric of a period asks for the same start (strftime
    # and timetuple cost 2 us, 6 times per period); a new dict each call.
    keys = _CALENDAR.get(start)
    if keys is None:
        keys = {
            # %U: week of the year, Sunday as first day, 00-53 (upstream).
            'week_of_the_year': start.strftime('%U'),
            'day_of_the_year': str(start.timetuple().tm_yday),
            'month': str(start.month),
            'year': str(start.year),
        }
        if len(_CALENDAR) >= _CALENDAR_SIZE:
            _CALENDAR.clear()
        _CALENDAR[start] = keys
    return dict(keys)


class BaseCollector(abc.ABC):
    """Base of every collector plugin.

    :param conf: the service's ConfigOpts.
    :param metrics: dict published name -> MetricDef; default: the
        validated ``[collect] metrics_conf``.
    :raises exception.ConfigError: invalid metrics file or extra_args.
    """

    #: name of the entry point (used in messages).
    collector_name = None
    #: voluptuous mapping validating (and defaulting) ``extra_args``.
    extra_args_schema = {}
    #: True when ``retrieve`` waits on the network: the processor then
    #: collects the metrics of a period in parallel threads.
    io_bound = True

    def __init__(self, conf, metrics=None):
        self.conf = conf
        self.scope_key = conf.collect.scope_key
        if metrics is None:
            metrics = ck_metrics.load(conf)
        self.metrics = ck_metrics.check_extra_args(
            metrics, self.extra_args_schema, self.collector_name)
        # NOTE(ck): a resource's attributes repeat every period: its points
        # share one groupby and one metadata mapping (see MappingInterner).
        self._intern = dataframe.MappingInterner()

    @abc.abstractmethod
    def fetch_all(self, metric, start, end, scope_id):
        """Raw measurements of ``metric`` for one scope and period.

        :param metric: the :class:`~cloudkitty.collector.metrics.MetricDef`.
        :param start: aware datetime, period start (inclusive).
        :param end: aware datetime, period end (exclusive).
        :param scope_id: the scope (value of ``[collect] scope_key``).
        :returns: iterable of ``(attributes, raw_qty)``; ``attributes`` is
            a mapping holding the groupby and metadata attribute values,
            ``raw_qty`` a Decimal (or int).
        :raises CollectError: on any failure (retryable).
        """

    def retrieve(self, metric_name, start, end, scope_id):
        """Collected points of one metric, scope and period.

        :param metric_name: the published name (key of ``self.metrics``).
        :returns: ``(published_name, [DataPoint, ...])``; an empty list
            means "no data".
        :raises CollectError: the collection failed (retry later).
        :raises UnknownMetric: no such metric in the metrics file.
        """
        metric = self.metrics.get(metric_name)
        if metric is None:
            raise UnknownMetric(metric=metric_name)
        start, end = _utc(start), _utc(end)
        try:
            raw = self.fetch_all(metric, start, end, scope_id)
            points = self._build_points(metric, raw, start, scope_id)
        except NoDataCollected:
            return metric.published_name, []
        except CollectError:
            raise
        except Exception as err:  # noqa: B902 - any backend failure
            # NOTE(ck): an unexpected error must still be a retryable
            # collect error: the processor then keeps the period
            # uncommitted instead of storing a partial frame.
            LOG.exception('Collector %s failed on %s for scope %s',
                          self.collector_name, metric_name, scope_id)
            raise CollectError(metric=metric_name,
                               reason='%s: %s' % (type(err).__name__, err))
        return metric.published_name, points

    def _build_points(self, metric, raw, start, scope_id):
        calendar = calendar_keys(start)
        scope_key = self.scope_key
        groupby_names = metric.groupby
        metadata_names = metric.metadata
        unit = metric.unit
        description = metric.description
        convert = metric.convert
        intern = self._intern
        points = []
        for attributes, qty in raw:
            groupby = {name: attributes.get(name, '') for name in
                       groupby_names}
            if groupby.get(scope_key) in ('', None):
                groupby[scope_key] = scope_id
            groupby.update(calendar)
            metadata = {name: attributes.get(name, '') for name in
                        metadata_names}
            points.append(dataframe.DataPoint(
                unit, convert(qty), 0, intern(groupby), intern(metadata),
                description))
        return points

    def close(self):  # noqa: B027 - optional hook
        """Release connections (default: nothing to do)."""


def get_collector(conf, metrics=None):
    """Load the collector named by ``[collect] collector``.

    :raises exception.ConfigError: unknown collector name, invalid
        metrics file or collector options.
    """
    name = conf.collect.collector
    cls = load_plugin_class(NAMESPACE, name, 'collect', 'collector')
    return cls(conf, metrics=metrics)


def load_plugin_class(namespace, name, group, option):
    """The class registered as ``name`` in an entry point namespace.

    NOTE(ck): the class is instantiated by the caller, not by stevedore:
    stevedore would log and swallow the plugin's own ConfigError.

    :raises exception.ConfigError: naming ``[group] option``.
    """
    try:
        manager = driver.DriverManager(namespace, name, invoke_on_load=False)
    except stevedore_exc.NoMatches:
        available = sorted({ep.name for ep in importlib.metadata.entry_points(
            group=namespace)})
        raise exception.ConfigError(
            group=group, option=option,
            reason='unknown plugin %r (available: %s)'
            % (name, ', '.join(available)))
    return manager.driver
