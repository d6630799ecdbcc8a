"""``/v2/scope``: processing state of the rated scopes (v2 §3.5).

Timestamps: the database keeps the START of the last rated period
(:mod:`cloudkitty.storage.state`); the API shows and takes
``last_processed_timestamp`` as the END of the last rated period, i.e.
"everything before this instant is rated" (spec §3.5). So
``stored = shown - [collect] period``. With that reading a reset to ``T``
deletes the rated points starting at or after ``T``, shows ``T`` afterwards
and the processor rates the period starting at ``T`` next: no period is
lost (upstream loses the period starting at ``T``).

``PUT`` (reset) runs synchronously, under the same tooz lock per scope as
the processor (:func:`cloudkitty.orchestrator.reprocess.scope_locks`), and
answers 202 ``{}`` as upstream.
"""

import datetime

import voluptuous
from pecan import rest

from cloudkitty.api.v2 import base
from cloudkitty.api.v2 import types as v2_types
from cloudkitty.api.v2 import validation
from cloudkitty import exception
from cloudkitty.orchestrator import reprocess
from cloudkitty.policies import v2 as policies
from cloudkitty.storage import state

GET_QUERY = voluptuous.Schema({
    voluptuous.Optional('scope_id'): validation.multi(),
    voluptuous.Optional('scope_key'): validation.multi(),
    voluptuous.Optional('fetcher'): validation.multi(),
    voluptuous.Optional('collector'): validation.multi(),
    voluptuous.Optional('active'): validation.multi(
        voluptuous.All(voluptuous.Coerce(int), voluptuous.In([0, 1]))),
    **validation.paging(),
})

_MULTI = voluptuous.Any(validation.str_or_list)

RESET_BODY = voluptuous.Schema({
    voluptuous.Optional('last_processed_timestamp'): voluptuous.Any(
        None, validation.parse_datetime),
    # NOTE(ck): the 2026 client sends the timestamp as "state" [BUG-CLIENT].
    voluptuous.Optional('state'): voluptuous.Any(
        None, validation.parse_datetime),
    voluptuous.Exclusive('all_scopes', 'scope_selector'):
        validation.strict_bool,
    voluptuous.Exclusive('scope_id', 'scope_selector'): _MULTI,
    voluptuous.Optional('scope_key'): _MULTI,
    voluptuous.Optional('fetcher'): _MULTI,
    voluptuous.Optional('collector'): _MULTI,
})

PATCH_BODY = voluptuous.Schema({
    voluptuous.Required('scope_id'): validation.name,
    voluptuous.Optional('scope_key'): validation.name,
    voluptuous.Optional('fetcher'): validation.name,
    voluptuous.Optional('collector'): validation.name,
    voluptuous.Optional('active'): validation.strict_bool,
})

POST_BODY = voluptuous.Schema({
    voluptuous.Required('scope_id'): validation.name,
    voluptuous.Required('last_processed_timestamp'):
        validation.parse_datetime,
    voluptuous.Optional('scope_key'): validation.name,
    voluptuous.Optional('fetcher'): validation.name,
    voluptuous.Optional('collector'): validation.name,
    voluptuous.Optional('active', default=True): validation.strict_bool,
})


class NoSelector(exception.Invalid):
    msg_fmt = 'Either all_scopes or a scope_id should be specified.'


class NoTimestamp(exception.Invalid):
    msg_fmt = "Variable 'last_processed_timestamp' cannot be empty/None."


class TimestampConflict(exception.Invalid):
    msg_fmt = ("'state' and 'last_processed_timestamp' must be equal when "
               "both are given.")


def period(conf):
    return datetime.timedelta(seconds=conf.collect.period)


def shown(conf, stored):
    """API value of a stored ``last_processed_timestamp`` (None stays)."""
    return None if stored is None else stored + period(conf)


def to_stored(conf, value):
    return value - period(conf)


def render(conf, scope):
    return v2_types.Scope(
        scope_id=scope.scope_id, scope_key=scope.scope_key,
        fetcher=scope.fetcher, collector=scope.collector,
        last_processed_timestamp=shown(conf, scope.last_processed_timestamp),
        active=scope.active,
        scope_activation_toggle_date=scope.scope_activation_toggle_date)


def _timestamp(args):
    value = args.get('last_processed_timestamp')
    alias = args.get('state')
    if value is not None and alias is not None and value != alias:
        raise TimestampConflict()
    value = value if value is not None else alias
    if value is None:
        raise NoTimestamp()
    return value


class ScopeController(rest.RestController):
    """``/v2/scope``."""

    @base.expose_v2(policies.SCOPE_GET_STATE, query=GET_QUERY)
    def get_all(self, **args):
        conf = base.pecan.request.conf
        active = args.get('active')
        active = active[0] if active and len(set(active)) == 1 else None
        scopes = state.list_states(
            base.context(), scope_ids=args.get('scope_id'),
            fetcher=args.get('fetcher'), collector=args.get('collector'),
            scope_key=args.get('scope_key'), active=active,
            offset=args['offset'], limit=args['limit'])
        if not scopes:
            raise state.ScopeNotFound()
        return v2_types.ScopeCollection(
            results=[render(conf, s) for s in scopes])

    @base.expose_v2(policies.SCOPE_RESET_STATE, body=RESET_BODY)
    def put(self, **args):
        conf = base.pecan.request.conf
        ctx = base.context()
        all_scopes = args.get('all_scopes')
        scope_ids = args.get('scope_id')
        if not all_scopes and not scope_ids:
            raise NoSelector()
        to = _timestamp(args)
        selected = state.list_states(
            ctx, scope_ids=None if all_scopes else scope_ids,
            fetcher=args.get('fetcher'), collector=args.get('collector'),
            scope_key=args.get('scope_key'))
        if not selected:
            raise state.ScopeNotFound()
        ids = [s.scope_id for s in selected]
        with reprocess.scope_locks(conf, ids):
            state.reset(ctx, ids, to, conf.collect.period)
        return base.Accepted({})

    @base.expose_v2(policies.SCOPE_PATCH_STATE, body=PATCH_BODY)
    def patch(self, **args):
        conf = base.pecan.request.conf
        scope = state.update_scope(
            base.context(), args['scope_id'],
            scope_key=args.get('scope_key'), fetcher=args.get('fetcher'),
            collector=args.get('collector'), active=args.get('active'))
        return render(conf, scope)

    @base.expose_v2(policies.SCOPE_POST_STATE, body=POST_BODY)
    def post(self, **args):
        conf = base.pecan.request.conf
        # NOTE(ck): upstream stores NULLs for omitted attributes and then
        # fails on its own output [BUG-UP]; we use the configured values.
        scope = state.create_scope(
            base.context(), args['scope_id'],
            to_stored(conf, args['last_processed_timestamp']),
            scope_key=args.get('scope_key') or conf.collect.scope_key,
            fetcher=args.get('fetcher') or conf.fetcher.backend,
            collector=args.get('collector') or conf.collect.collector,
            active=args['active'])
        return render(conf, scope)
