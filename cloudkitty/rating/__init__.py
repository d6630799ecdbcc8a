"""Rating modules: the plugin family that prices frames.

A rating module ("processor") is found through the entry-point namespace
:data:`NAMESPACE`. It receives a :class:`cloudkitty.dataframe.DataFrame` and
returns a new one whose points carry their price; modules run one after the
other (see :mod:`cloudkitty.rating.pipeline`), each adding to (or, for
scripts, overwriting) the price computed so far.

This base imports no web framework, database or RPC code: processors load
their rules in :meth:`RatingProcessor.reload` through their own DB modules,
and the API mounts their configuration controllers separately.
"""

import abc

from oslo_log import log as logging
from stevedore import extension

LOG = logging.getLogger(__name__)

NAMESPACE = 'cloudkitty.rating.processors'


class RatingProcessor(abc.ABC):
    """Base class of rating modules.

    Class attributes:

    * ``module_id``: the name (also the entry-point name),
    * ``description``: shown by ``GET /v1/rating/modules``,
    * ``hot_config``: rules can change while the service runs.
    """

    module_id = None
    description = ''
    hot_config = False

    def __init__(self, conf):
        self.conf = conf

    def reload(self, context, at=None):
        """Refresh the compiled rules if they changed (cheap otherwise).

        :param context: a RequestContext for DB access.
        :param at: the instant rules must be in force at (informational:
            :meth:`process` receives it again).
        """
        # NOTE(ck): modules without stored rules have nothing to refresh.
        return None

    @abc.abstractmethod
    def process(self, frame, scope_id, at):
        """Price ``frame`` and return the priced frame.

        :param frame: the :class:`~cloudkitty.dataframe.DataFrame` to rate.
        :param scope_id: the scope being rated (tenant rules), or None for
            quotes.
        :param at: rules in force at this instant (the frame start).
        """


def get_processors(conf):
    """Instantiate every installed rating module.

    :returns: dict module_id -> RatingProcessor, in module_id order.
    """
    manager = extension.ExtensionManager(
        NAMESPACE, invoke_on_load=True, invoke_args=(conf,),
        on_load_failure_callback=_load_failed)
    processors = {ext.name: ext.obj for ext in manager}
    return dict(sorted(processors.items()))


def _load_failed(manager, entrypoint, err):
    # NOTE(ck): a broken third-party module must not take the whole rating
    # service down; it is logged and simply absent from the module list.
    LOG.error(
        'Cannot load rating module %s: %s', entrypoint, err)
