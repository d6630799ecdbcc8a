"""Gnocchi fetcher: distinct values of a resource attribute.

Searches the resources of ``[fetcher_gnocchi] resource_types`` (paginated
by gnocchiclient) and returns the distinct, non-empty values of
``scope_attribute`` (``project_id`` by default).
"""

from gnocchiclient import exceptions as gnocchi_exc
from keystoneauth1 import exceptions as ks_exc

from cloudkitty.collector import gnocchi as gnocchi_collector
from cloudkitty import fetcher

GROUP = 'fetcher_gnocchi'


class GnocchiFetcher(fetcher.BaseFetcher):
    """Scopes owning Gnocchi resources."""

    name = 'gnocchi'

    def __init__(self, conf):
        super().__init__(conf)
        self._client = gnocchi_collector.make_client(conf, GROUP)
        self._options = conf[GROUP]

    def get_scopes(self):
        attribute = self._options.scope_attribute
        scopes = set()
        try:
            for resource_type in self._options.resource_types:
                for resource in self._client.resource.search(
                        resource_type=resource_type,
                        query={'!=': {attribute: None}}, details=True,
                        sorts=['id:asc']):
                    value = resource.get(attribute)
                    if value:
                        scopes.add(value)
        except (gnocchi_exc.ClientException, ks_exc.ClientException) as err:
            raise fetcher.FetchError(fetcher=self.name, reason=str(err))
        return sorted(scopes)
