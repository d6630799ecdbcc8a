"""GET / : the versions document (public)."""

import pecan
from pecan import rest

from cloudkitty.api import v1
from cloudkitty.api import v2


def _version(request, version_id, status):
    return {'id': version_id,
            'links': [{'href': request.application_url + '/' + version_id,
                       'rel': 'self'}],
            'status': status}


class RootController(rest.RestController):
    """The API root: version discovery, then the versioned trees."""

    v1 = v1.V1Controller()
    v2 = v2.V2Controller()

    @pecan.expose(generic=True, template='json')
    def index(self):
        request = pecan.request
        return {'versions': [_version(request, 'v1', 'CURRENT'),
                             _version(request, 'v2', 'EXPERIMENTAL')]}
