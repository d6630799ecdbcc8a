"""``/v1/rating`` (and its legacy alias ``/v1/billing``): modules, quote,
reload and the mount point of each module's own API (§3.2, §6).

Module configuration APIs are found through the entry-point family
``cloudkitty.rating.controllers`` (one RestController class per module
id), loaded once and again on ``reload_modules``. A module that exists but
has no controller (``noop``) answers 409 ``Module is not configurable`` to
every method and sub-path; an unknown module answers 404 ``Module not
found.``.
"""

import logging
import threading

import pecan
from pecan import rest
from stevedore import extension

from cloudkitty.api.expose import expose
from cloudkitty.api import notify
from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import types as v1_types
from cloudkitty import exception
from cloudkitty.policies import rating as policies
from cloudkitty.rating import modules as rating_modules
from cloudkitty.rating import pipeline as rating_pipeline

LOG = logging.getLogger(__name__)

CONTROLLERS_NAMESPACE = 'cloudkitty.rating.controllers'


def _context():
    return pecan.request.context


def _conf():
    return pecan.request.conf


def _module(info):
    return v1_types.Module(module_id=info.module_id,
                           description=info.description,
                           enabled=info.enabled,
                           hot_config=info.hot_config,
                           priority=info.priority)


class ModulesController(rest.RestController):
    """``/v1/rating/modules[/<module_id>]``."""

    @expose(v1_types.ModuleCollection)
    def get_all(self):
        ctx = _context()
        ctx.can(policies.LIST_MODULES)
        modules = rating_modules.list_modules(ctx, _conf())
        return v1_types.ModuleCollection(
            modules=[_module(m) for m in modules])

    @expose(v1_types.Module, ck_types.Text)
    def get_one(self, module_id):
        ctx = _context()
        ctx.can(policies.GET_MODULE)
        return _module(rating_modules.get_module(ctx, _conf(), module_id))

    @expose(None, ck_types.Text, body=v1_types.Module, status_code=302)
    def put(self, module_name, module):
        """Enable/disable or reprioritise; ``module.module_id`` is
        mandatory but the path decides (upstream behaviour)."""
        ctx = _context()
        ctx.can(policies.UPDATE_MODULE)
        conf = _conf()
        # NOTE(ck): the path argument is not called module_id so that the
        # body's (ignored) module_id is not taken for it.
        module_id = module_name
        current = rating_modules.get_module(ctx, conf, module_id)
        enabled = ck_types.given(module.enabled)
        priority = ck_types.given(module.priority)
        # NOTE(ck): keystoneauth follows the 302 by re-sending the same PUT
        # up to ~30 times (§1.9): only write (and notify) on a real change.
        if (enabled is not None and enabled != current.enabled) or (
                priority is not None and priority != current.priority):
            rating_modules.update_module(ctx, conf, module_id,
                                         enabled=enabled, priority=priority)
            notify.rules_changed(conf)
        pecan.response.headers['Location'] = pecan.request.url.split('?')[0]
        return None


class NotConfigurableController:
    """Every request under ``module_config/<module>`` of a module with no
    API: 409, or 404 when the module does not exist at all (any method,
    any sub-path; the policy is checked first).

    The decision is taken in the handler: hooks (hence the request context
    and configuration) only run once routing is over.
    """

    def __init__(self, module_id):
        self._module_id = module_id

    def _refuse(self):
        ctx = _context()
        ctx.can(policies.MODULE_CONFIG)
        # Raises ModuleNotFound for an unknown module.
        rating_modules.get_module(ctx, _conf(), self._module_id)
        raise exception.ModuleNotConfigurable()

    @pecan.expose()
    def _default(self, *remainder):
        self._refuse()

    @pecan.expose()
    def index(self):
        self._refuse()


class ModuleConfigController(rest.RestController):
    """``/v1/rating/module_config/<module_id>/...``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._controllers = None

    def load(self):
        """(Re-)discover the module controllers from entry points."""
        manager = extension.ExtensionManager(CONTROLLERS_NAMESPACE,
                                             invoke_on_load=True)
        with self._lock:
            self._controllers = {ext.name: ext.obj for ext in manager}
        LOG.debug('Rating module controllers: %s',
                  ', '.join(sorted(self._controllers)))

    def controllers(self):
        if self._controllers is None:
            self.load()
        return self._controllers

    @pecan.expose()
    def _lookup(self, module_id, *remainder):
        controller = self.controllers().get(module_id)
        if controller is not None:
            return controller, remainder
        return NotConfigurableController(module_id), remainder

    @expose(None)
    def get_all(self):
        _context().can(policies.MODULE_CONFIG)
        raise exception.ModuleNotFound()


class RatingController(rest.RestController):
    """``/v1/rating``."""

    _custom_actions = {
        'quote': ['POST'],
        'reload_modules': ['GET'],
    }

    modules = ModulesController()
    module_config = ModuleConfigController()

    @expose(ck_types.Decimal, body=v1_types.QuoteRequest, status_code=200)
    def quote(self, res_data):
        """Price the resources with the enabled modules (§6.4), in
        process; nothing is stored."""
        ctx = _context()
        ctx.can(policies.QUOTE)
        resources = []
        for resource in res_data.resources:
            desc = ck_types.given(resource.desc)
            if desc is not None and not isinstance(desc, dict):
                raise exception.Invalid(
                    "Invalid input for field/attribute desc. Value: '%s'. "
                    "Value should be an object" % (desc,))
            resources.append({'service': resource.service,
                              'volume': resource.volume,
                              'desc': desc or {}})
        if not ctx.is_admin:
            _own_project_only(ctx, resources, _conf().collect.scope_key)
        return pipeline().quote(ctx, resources)

    @expose(None, status_code=204)
    def reload_modules(self):
        ctx = _context()
        ctx.can(policies.MODULE_CONFIG)
        # Re-scan the module entry points and their API controllers, then
        # reload every enabled module's rules.
        rating_modules.module_classes(refresh=True)
        self.module_config.load()
        pecan.request.services.pop('pipeline', None)
        pipeline().refresh(ctx)


def _own_project_only(ctx, resources, scope_key):
    """Refuse a quote describing another project's resource (OUR CHOICE,
    strict tenant isolation): a global rule matching the scope key (a
    field mapping on ``project_id``, a script's price table) would tell a
    tenant what another one pays.

    :raises cloudkitty.exception.Forbidden: naming the value.
    """
    for resource in resources:
        for mapping in rating_pipeline.quote_desc(resource['desc']):
            value = mapping.get(scope_key)
            if value is not None and str(value) != (ctx.project_id or ''):
                raise exception.Forbidden(
                    message='A quote may only describe resources of your '
                            'own project (%s: %s).' % (scope_key, value))


def pipeline():
    """The quote pipeline of this application (built on first use)."""
    services = pecan.request.services
    found = services.get('pipeline')
    if found is None:
        found = services.setdefault(
            'pipeline', rating_pipeline.Pipeline(_conf()))
    return found
