"""Policy in code: every rule CloudKitty checks, with its default.

Rule names are part of the contract (operators ship policy files), so they
are those of upstream CloudKitty. ``list_rules`` is the
``oslo.policy.policies`` entry point used by the sample generator.
"""

import itertools

from cloudkitty.policies import base
from cloudkitty.policies import collector
from cloudkitty.policies import info
from cloudkitty.policies import rating
from cloudkitty.policies import report
from cloudkitty.policies import storage
from cloudkitty.policies import v2


def list_rules():
    return list(itertools.chain(
        base.list_rules(),
        collector.list_rules(),
        info.list_rules(),
        rating.list_rules(),
        report.list_rules(),
        storage.list_rules(),
        v2.list_rules(),
    ))
