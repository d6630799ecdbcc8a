"""``/v1/collector``: the deprecated collector mappings and states (§3.8).

Both addressing styles are served: upstream's gabbi form
(``POST /v1/collector/mappings/<collector>/<service>``,
``GET|PUT /v1/collector/<name>/states``) and the 2026 client's
(``POST /v1/collector/mappings/ {"collector", "service"}``,
``GET /v1/collector/states/?name=``, ``PUT /v1/collector/states/
{"name", "enabled"}``).
"""

import logging

import pecan
from pecan import rest

from cloudkitty.api.expose import expose
from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import types as v1_types
from cloudkitty.db import collector_config
from cloudkitty.policies import collector as policies

LOG = logging.getLogger(__name__)


def _context():
    return pecan.request.context


def _mapping(mapping):
    return v1_types.CollectorMapping(service=mapping.service,
                                     collector=mapping.collector)


class MappingsController(rest.RestController):
    """``/v1/collector/mappings[/<service>]``."""

    @expose(v1_types.CollectorMappingCollection, ck_types.Text)
    def get_all(self, collector=None):
        ctx = _context()
        ctx.can(policies.LIST_MAPPINGS)
        mappings = collector_config.list_mappings(ctx, collector=collector)
        return v1_types.CollectorMappingCollection(
            mappings=[_mapping(m) for m in mappings])

    @expose(v1_types.CollectorMapping, ck_types.Text)
    def get_one(self, service):
        ctx = _context()
        ctx.can(policies.GET_MAPPING)
        return _mapping(collector_config.get_mapping(ctx, service))

    @expose(v1_types.CollectorMapping, ck_types.Text, ck_types.Text)
    def post(self, collector, service):
        ctx = _context()
        ctx.can(policies.MANAGE_MAPPING)
        LOG.warning('The v1 collector mappings API is deprecated.')
        return _mapping(collector_config.set_mapping(ctx, service,
                                                     collector))

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, service):
        ctx = _context()
        ctx.can(policies.MANAGE_MAPPING)
        collector_config.delete_mapping(ctx, service)


def _state(name, enabled):
    return v1_types.CollectorState(name=name, enabled=enabled)


class StatesController(rest.RestController):
    """``/v1/collector/states[?name=]`` (name in the query or the body)."""

    @expose(v1_types.CollectorState, ck_types.Text)
    def get_all(self, name):
        ctx = _context()
        ctx.can(policies.GET_STATE)
        return _state(name, collector_config.get_state(ctx, name))

    @expose(v1_types.CollectorState, ck_types.Text,
            body=v1_types.CollectorState)
    def put(self, name, infos):
        ctx = _context()
        ctx.can(policies.UPDATE_STATE)
        return _state(name, collector_config.set_state(ctx, name,
                                                       infos.enabled))


class NamedStatesController(rest.RestController):
    """``/v1/collector/<name>/states``."""

    def __init__(self, name):
        self._name = name

    @expose(v1_types.CollectorState)
    def get_all(self):
        ctx = _context()
        ctx.can(policies.GET_STATE)
        return _state(self._name,
                      collector_config.get_state(ctx, self._name))

    @expose(v1_types.CollectorState, body=v1_types.CollectorState)
    def put(self, infos):
        ctx = _context()
        ctx.can(policies.UPDATE_STATE)
        return _state(self._name, collector_config.set_state(
            ctx, self._name, infos.enabled))


class CollectorController(rest.RestController):
    """``/v1/collector``."""

    mappings = MappingsController()
    states = StatesController()

    @expose(None, status_code=204)
    def get_all(self):
        return None

    @pecan.expose()
    def _lookup(self, name, *remainder):
        if remainder and remainder[0] == 'states':
            return NamedStatesController(name), remainder[1:]
        return None
