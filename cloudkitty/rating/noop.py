"""The ``noop`` rating module: always enabled, returns frames unchanged.

It exists so that a fresh installation has one module in its pipeline, as
upstream does (spec §3.2.1, §6.2).
"""

from cloudkitty import rating


class Noop(rating.RatingProcessor):
    module_id = 'noop'
    description = 'Dummy test module.'
    hot_config = False
    always_enabled = True

    def process(self, frame, scope_id, at):
        return frame
