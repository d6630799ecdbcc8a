"""The v2 API tree (``/v2``): summary, dataframes, scopes, reprocessing
and rating modules (spec v2.md). Listed on ``/`` after v1 as
``EXPERIMENTAL``; ``/v2`` itself has no document (404, as upstream)."""

import pecan
from pecan import rest

from cloudkitty.api.v2 import dataframes
from cloudkitty.api.v2 import rating
from cloudkitty.api.v2 import reprocess
from cloudkitty.api.v2 import scope
from cloudkitty.api.v2 import summary


class V2Controller(rest.RestController):
    """``/v2``."""

    dataframes = dataframes.DataframesController()
    rating = rating.RatingController()
    scope = scope.ScopeController()
    summary = summary.SummaryController()
    task = reprocess.TaskController()

    @pecan.expose()
    def index(self):
        pecan.abort(404)
