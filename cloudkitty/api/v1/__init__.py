"""The v1 API tree."""

import pecan
from pecan import rest


class V1Controller(rest.RestController):
    """``/v1``: answers 405 itself (as upstream); children do the work."""

    @pecan.expose()
    def index(self):
        pecan.abort(405)
