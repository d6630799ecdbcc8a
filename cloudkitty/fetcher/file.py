"""File fetcher: the scopes present in a usage feed.

Reads ``[fetcher_file] path`` (default: the file collector's feed,
``[collector_file] path``, else the bundled sample), so that the quick
start and the benchmark rate exactly the scopes that have usage.
"""

from cloudkitty.collector import file as file_collector
from cloudkitty.collector import usage_feed
from cloudkitty import fetcher


class FileFetcher(fetcher.BaseFetcher):
    """Every ``scope_id`` found in the usage feed."""

    name = 'file'

    def __init__(self, conf):
        super().__init__(conf)
        self.feed = usage_feed.shared_feed(
            file_collector.feed_path(conf, conf.fetcher_file.path))

    def get_scopes(self):
        try:
            return self.feed.scopes()
        except usage_feed.FeedError as err:
            raise fetcher.FetchError(fetcher=self.name, reason=str(err))
