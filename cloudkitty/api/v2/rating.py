"""``/v2/rating/modules``: the v2 view of the module states (v2 §3.1).

Same state as ``/v1/rating/modules`` (:mod:`cloudkitty.rating.modules`);
``PUT`` answers 204 (no v1 302 dance) and refuses ``priority < 1``.
"""

import voluptuous
from pecan import rest

from cloudkitty.api.v2 import base
from cloudkitty.api.v2 import types as v2_types
from cloudkitty.api.v2 import validation
from cloudkitty.api import notify
from cloudkitty.api import types as ck_types
from cloudkitty import exception
from cloudkitty.policies import v2 as policies
from cloudkitty.rating import modules


class ModuleNotFound(exception.NotFound):
    msg_fmt = "Module '%(module_id)s' not found"


def _priority(value):
    value = validation.json_int(value)
    if value < 1:
        # NOTE(ck): upstream stores 0 and reads it back as 1 [BUG-UP].
        raise voluptuous.Invalid('value must be at least 1')
    if value > ck_types.MAX_INT32:
        raise voluptuous.Invalid('value must be at most %d'
                                 % ck_types.MAX_INT32)
    return value


UPDATE_BODY = voluptuous.Schema({
    voluptuous.Optional('enabled'): validation.strict_bool,
    voluptuous.Optional('priority'): _priority,
})


class ModulesController(rest.RestController):
    """``/v2/rating/modules[/<module_id>]``."""

    @base.expose_v2(policies.LIST_MODULES)
    def get_all(self):
        infos = modules.list_modules(base.context(), base.pecan.request.conf)
        return v2_types.ModuleCollection(
            modules=[v2_types.Module.from_info(i) for i in infos])

    @base.expose_v2(policies.GET_MODULE)
    def get_one(self, module_id):
        try:
            info = modules.get_module(base.context(),
                                      base.pecan.request.conf, module_id)
        except exception.ModuleNotFound:
            raise ModuleNotFound(module_id=module_id)
        return v2_types.Module.from_info(info)

    @base.expose_v2(policies.UPDATE_MODULE, body=UPDATE_BODY, status=204)
    def put(self, module_id, **values):
        conf = base.pecan.request.conf
        try:
            modules.update_module(base.context(), conf, module_id,
                                  enabled=values.get('enabled'),
                                  priority=values.get('priority'))
        except exception.ModuleNotFound:
            raise ModuleNotFound(module_id=module_id)
        notify.rules_changed(conf)


class RatingController(rest.RestController):
    """``/v2/rating``."""

    modules = ModulesController()
