"""Prometheus fetcher: the values of a label on one metric's series.

Asks ``/api/v1/label/<scope_attribute>/values`` for the series of
``[fetcher_prometheus] metric`` (optionally narrowed by ``filters``), so
that every scope with stored history is found, not only those with a
sample in the last few minutes.
"""

from cloudkitty.collector import prometheus_api
from cloudkitty import exception
from cloudkitty import fetcher

GROUP = 'fetcher_prometheus'


class PrometheusFetcher(fetcher.BaseFetcher):
    """Scopes found as label values in Prometheus."""

    name = 'prometheus'

    def __init__(self, conf):
        super().__init__(conf)
        options = conf[GROUP]
        if not options.metric:
            raise exception.ConfigError(group=GROUP, option='metric',
                                        reason='must be set')
        self._options = options
        self._api = prometheus_api.PrometheusAPI(options, GROUP)

    def selector(self):
        matchers = ['%s="%s"' % (name, prometheus_api.escape_label_value(
            value)) for name, value in sorted(self._options.filters.items())]
        return '%s{%s}' % (self._options.metric, ', '.join(matchers))

    def get_scopes(self):
        try:
            values = self._api.label_values(self._options.scope_attribute,
                                            self.selector())
        except prometheus_api.PrometheusError as err:
            raise fetcher.FetchError(fetcher=self.name, reason=str(err))
        return sorted({value for value in values if value})
