"""File collector: usage read from a JSON Lines feed.

The feed format is the one of the rating benchmark (one data point per
line, see :mod:`cloudkitty.collector.usage_feed`). A metric of the metrics
file selects the lines whose ``service`` equals the metric key (or
``extra_args.service``); its ``groupby`` and ``metadata`` attributes are
looked up in the line's ``groupby`` then ``metadata`` objects, and the
line's ``qty`` (parsed as an exact decimal) is the raw quantity.

This is the collector of the quick start and of the benchmark: it needs no
external service.
"""

import os

import voluptuous as vol

import cloudkitty
from cloudkitty import collector
from cloudkitty.collector import usage_feed

#: the sample feed shipped with CloudKitty (``[collector_file] path``
#: default).
SAMPLE_FEED = os.path.join(os.path.dirname(cloudkitty.__file__), 'data',
                           'sample-usage.jsonl.gz')


def feed_path(conf, path=None):
    """The feed file to read: ``path``, else ``[collector_file] path``,
    else the bundled sample."""
    return path or conf.collector_file.path or SAMPLE_FEED


class FileCollector(collector.BaseCollector):
    """Collector reading ``[collector_file] path``."""

    collector_name = 'file'
    # NOTE(ck): parsing is CPU work under the GIL: threads would not help.
    io_bound = False
    extra_args_schema = {
        vol.Optional('service'): vol.All(str, vol.Length(min=1)),
    }

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self.feed = usage_feed.shared_feed(feed_path(conf))

    def fetch_all(self, metric, start, end, scope_id):
        service = metric.extra_args.get('service', metric.name)
        try:
            return self.feed.usage(scope_id, start, end, service)
        except usage_feed.FeedError as err:
            raise collector.CollectError(metric=metric.published_name,
                                         reason=str(err))

