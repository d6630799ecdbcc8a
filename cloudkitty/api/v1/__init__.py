"""The v1 API tree (``/v1``)."""

import pecan
from pecan import rest

from cloudkitty.api.v1 import collector
from cloudkitty.api.v1 import info
from cloudkitty.api.v1 import rating
from cloudkitty.api.v1 import report
from cloudkitty.api.v1 import storage


class V1Controller(rest.RestController):
    """``/v1``: answers 405 itself (as upstream); children do the work."""

    collector = collector.CollectorController()
    info = info.InfoController()
    rating = rating.RatingController()
    # NOTE(ck): legacy alias kept by upstream; no client uses it (§3.3).
    billing = rating
    report = report.ReportController()
    storage = storage.StorageController()

    @pecan.expose()
    def index(self):
        pecan.abort(405)
