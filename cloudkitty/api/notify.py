"""Tell the processors that rating rules or module states changed.

The one place the API calls after every rule or module write. Processors
reload their rules before each period anyway; the broadcast only makes a
change visible sooner. It goes through
``cloudkitty.common.messaging.notify_rules_changed`` when that exists
(orchestrator), and is a no-op otherwise.
"""

import importlib
import logging

LOG = logging.getLogger(__name__)


def rules_changed(conf):
    """Broadcast "rules changed"; never fails the API call."""
    try:
        messaging = importlib.import_module('cloudkitty.common.messaging')
    except ImportError:
        return
    notify = getattr(messaging, 'notify_rules_changed', None)
    if notify is None:
        return
    try:
        notify(conf)
    except Exception:  # noqa: B902 - a lost broadcast is not an API error
        LOG.warning('Could not broadcast a rules change', exc_info=True)
