"""State of the rating modules: enabled flag and priority (spec §3.2, §6.1).

The modules are the entry points of :data:`cloudkitty.rating.NAMESPACE`;
their state lives in the core table ``modules_state`` (``name``, ``state``,
``priority``). A module never configured is disabled with priority 1; a
module class with ``always_enabled`` (``noop``) is always enabled with
priority 1 whatever is stored. Priorities are stored and returned exactly
(0 included; upstream reads 0 back as 1, spec §12.1 #20).

The same table holds the *rules generation* stamp under a reserved name:
every write to hashmap or pyscripts rules bumps it in the same transaction,
so processors reload their compiled rules only when it changed.
"""

import dataclasses

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_log import log as logging
from stevedore import extension

from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.db import api as db_api
from cloudkitty.db import models

LOG = logging.getLogger(__name__)

DEFAULT_PRIORITY = 1
# NOTE(ck): a reserved row of modules_state (collector states use the
# "collector_" prefix); entry-point names cannot contain "__" + spaces.
RULES_GENERATION_KEY = '__rules generation__'

_classes = None


@dataclasses.dataclass(frozen=True)
class ModuleInfo:
    """What ``GET /v1/rating/modules`` shows for one module."""

    module_id: str
    description: str
    enabled: bool
    hot_config: bool
    priority: int


def module_classes(refresh=False):
    """Installed rating module classes by module_id (sorted).

    Discovered once per process; ``refresh`` re-scans the entry points
    (``GET /v1/rating/reload_modules``).
    """
    global _classes
    if _classes is None or refresh:
        manager = extension.ExtensionManager(
            rating.NAMESPACE, invoke_on_load=False,
            on_load_failure_callback=rating._load_failed)
        _classes = dict(sorted((ext.name, ext.plugin) for ext in manager))
    return _classes


def _info(module_id, cls, row):
    if getattr(cls, 'always_enabled', False):
        enabled, priority = True, DEFAULT_PRIORITY
    elif row is None:
        enabled, priority = False, DEFAULT_PRIORITY
    else:
        enabled = bool(row.state)
        priority = (DEFAULT_PRIORITY if row.priority is None
                    else row.priority)
    return ModuleInfo(module_id=module_id,
                      description=getattr(cls, 'description', '') or '',
                      enabled=enabled,
                      hot_config=bool(getattr(cls, 'hot_config', False)),
                      priority=priority)


@db_api.context_manager.reader
def _rows(context, names):
    query = sa.select(models.ModuleState).where(
        models.ModuleState.name.in_(names))
    return {row.name: row for row in context.session.scalars(query)}


def list_modules(context, conf=None):
    """Every installed module with its state, sorted by module_id.

    One query. ``conf`` is accepted for symmetry with the other helpers.
    """
    classes = module_classes()
    rows = _rows(context, list(classes)) if classes else {}
    return [_info(name, cls, rows.get(name)) for name, cls in classes.items()]


def get_module(context, conf, module_id):
    """:raises cloudkitty.exception.ModuleNotFound: unknown module."""
    classes = module_classes()
    if module_id not in classes:
        raise exception.ModuleNotFound()
    row = _rows(context, [module_id]).get(module_id)
    return _info(module_id, classes[module_id], row)


@db_api.context_manager.writer
def _upsert(context, module_id, enabled, priority):
    session = context.session
    row = session.get(models.ModuleState, module_id)
    if row is None:
        row = models.ModuleState(name=module_id, state=False, priority=None)
        try:
            with session.begin_nested():
                session.add(row)
        except db_exc.DBDuplicateEntry:
            # NOTE(ck): another writer created it meanwhile; update theirs.
            row = session.get(models.ModuleState, module_id,
                              populate_existing=True)
    if enabled is not None and bool(row.state) != bool(enabled):
        row.state = bool(enabled)
    if priority is not None and row.priority != priority:
        row.priority = priority


def update_module(context, conf, module_id, enabled=None, priority=None):
    """Set the enabled flag and/or priority of a module (idempotent).

    ``always_enabled`` modules (``noop``) ignore both settings.

    :raises cloudkitty.exception.ModuleNotFound: unknown module.
    :raises cloudkitty.exception.Invalid: priority not an integer.
    """
    classes = module_classes()
    if module_id not in classes:
        raise exception.ModuleNotFound()
    if priority is not None and (isinstance(priority, bool)
                                 or not isinstance(priority, int)):
        raise exception.Invalid('priority must be an integer')
    if not getattr(classes[module_id], 'always_enabled', False):
        _upsert(context, module_id, enabled, priority)
    return get_module(context, conf, module_id)


@db_api.context_manager.reader
def rules_generation(context):
    """Current rules generation stamp (0 when never bumped)."""
    value = context.session.scalar(
        sa.select(models.ModuleState.priority).where(
            models.ModuleState.name == RULES_GENERATION_KEY))
    return value or 0


@db_api.context_manager.writer
def bump_rules_generation(context):
    """Record that rating rules changed (call inside the rule write's
    transaction so both commit together)."""
    table = models.ModuleState.__table__
    result = context.session.execute(
        table.update().where(table.c.name == RULES_GENERATION_KEY)
        .values(priority=table.c.priority + 1))
    if result.rowcount:
        return
    try:
        with context.session.begin_nested():
            context.session.execute(table.insert().values(
                name=RULES_GENERATION_KEY, state=False, priority=1))
    except db_exc.DBDuplicateEntry:
        context.session.execute(
            table.update().where(table.c.name == RULES_GENERATION_KEY)
            .values(priority=table.c.priority + 1))
