"""``/v2/task/reprocesses``: schedule and list re-rating (v2 §3.6).

``POST`` validates with the spec's rules and messages
(:func:`cloudkitty.db.reprocessing.schedule`) and answers 202 ``{}``; the
processor executes the schedules (:mod:`cloudkitty.orchestrator.reprocess`)
and ``GET`` shows their progress (``current_reprocess_time``).
"""

import voluptuous
from pecan import rest

from cloudkitty.api.v2 import base
from cloudkitty.api.v2 import types as v2_types
from cloudkitty.api.v2 import validation
from cloudkitty.db import reprocessing
from cloudkitty import exception
from cloudkitty.policies import v2 as policies

ORDERS = ['asc', 'desc']

POST_BODY = voluptuous.Schema({
    voluptuous.Required('scope_ids'): validation.str_or_list,
    voluptuous.Required('start_reprocess_time'): validation.parse_datetime,
    voluptuous.Required('end_reprocess_time'): validation.parse_datetime,
    voluptuous.Required('reason'): validation.text,
})

GET_QUERY = voluptuous.Schema({
    voluptuous.Optional('scope_ids'): validation.multi(),
    voluptuous.Optional('order', default=['desc']): validation.single(),
    **validation.paging(),
})


class InvalidOrder(exception.Invalid):
    msg_fmt = ("The order [%(order)s] is not valid. Accepted values are "
               "%(orders)s.")


def _render(task):
    return v2_types.ReprocessTask(
        scope_id=task.scope_id, reason=task.reason,
        start_reprocess_time=task.start, end_reprocess_time=task.end,
        current_reprocess_time=task.current or '')


class ReprocessesController(rest.RestController):
    """``/v2/task/reprocesses[/<scope_id>]``."""

    def _list(self, scope_ids, args):
        order = args['order'].lower()
        if order not in ORDERS:
            raise InvalidOrder(order=args['order'], orders=ORDERS)
        tasks = reprocessing.list_tasks(
            base.context(), scope_ids=scope_ids, offset=args['offset'],
            limit=args['limit'], order=order)
        return v2_types.ReprocessTaskCollection(
            results=[_render(t) for t in tasks])

    @base.expose_v2(policies.GET_TASK_REPROCESSES, query=GET_QUERY)
    def get_all(self, **args):
        return self._list(args.get('scope_ids'), args)

    @base.expose_v2(policies.GET_TASK_REPROCESSES, query=GET_QUERY)
    def get_one(self, scope_id, **args):
        # NOTE(ck): the path scope wins over a scope_ids query (upstream).
        return self._list([scope_id], args)

    @base.expose_v2(policies.TASK_REPROCESSES, body=POST_BODY)
    def post(self, **args):
        conf = base.pecan.request.conf
        reprocessing.schedule(
            base.context(), args['scope_ids'], args['start_reprocess_time'],
            args['end_reprocess_time'], args['reason'], conf.collect.period)
        return base.Accepted({})


class TaskController(rest.RestController):
    """``/v2/task``."""

    reprocesses = ReprocessesController()
