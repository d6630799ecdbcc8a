"""Source fetcher: a static list of scopes (``[fetcher_source] sources``)."""

from cloudkitty import fetcher


class SourceFetcher(fetcher.BaseFetcher):
    """The scopes listed in the configuration."""

    name = 'source'

    def get_scopes(self):
        return sorted({s.strip() for s in self.conf.fetcher_source.sources
                       if s and s.strip()})
