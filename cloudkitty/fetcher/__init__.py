"""Scope fetchers: which scopes (projects...) the processor rates.

A fetcher plugin (entry point namespace :data:`NAMESPACE`, chosen by
``[fetcher] backend``) implements :meth:`BaseFetcher.get_scopes`. Failures
raise :class:`FetchError`; the processor logs them and tries again on its
next round.
"""

import abc

from cloudkitty import collector
from cloudkitty import exception

NAMESPACE = 'cloudkitty.fetchers'


class FetchError(exception.CloudKittyException):
    """The scope list could not be obtained (retry later)."""

    msg_fmt = 'The %(fetcher)s fetcher failed: %(reason)s'


class BaseFetcher(abc.ABC):
    """Base of every scope fetcher.

    :param conf: the service's ConfigOpts.
    """

    #: entry point name (used in messages and in the scope state).
    name = None

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def get_scopes(self):
        """Scope ids to rate, sorted, without duplicates.

        :raises FetchError: the source is unavailable.
        """


def get_fetcher(conf):
    """Load the fetcher named by ``[fetcher] backend``.

    :raises exception.ConfigError: unknown backend or invalid options.
    """
    cls = collector.load_plugin_class(NAMESPACE, conf.fetcher.backend,
                                      'fetcher', 'backend')
    return cls(conf)
