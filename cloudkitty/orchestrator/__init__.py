"""The processor: fetch scopes, collect, rate and store, period by period.

* :mod:`.timing`: which period comes next and when it is ready; backoff.
* :mod:`.skip`: the safe evaluator of ``skip_datapoints_expression``.
* :mod:`.worker`: one scope, period after period.
* :mod:`.processor`: the loop over scopes with a tooz lock per scope, the
  cotyledon service and the ``--once`` backfill.
* :mod:`.rpc`: the "rules changed" listener.
"""
