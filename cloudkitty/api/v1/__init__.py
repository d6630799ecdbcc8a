"""The v1 API tree (``/v1``)."""

import pecan
from pecan import rest

from cloudkitty.api.v1 import collector


class V1Controller(rest.RestController):
    """``/v1``: answers 405 itself (as upstream); children do the work."""

    collector = collector.CollectorController()

    @pecan.expose()
    def index(self):
        pecan.abort(405)
