"""The rating pipeline: enabled modules, in priority order (spec §6.2, §6.4).

A :class:`Pipeline` owns one instance of every installed module. Its
:meth:`Pipeline.refresh` reads the module states (one query) and lets every
enabled module refresh its compiled rules, which they only do when the
rules generation stamp changed. :meth:`Pipeline.rate` then feeds a frame
through the enabled modules, higher priority first, ties by module_id;
each module's output is the next one's input.

The orchestrator calls ``refresh`` before each scope run (and whenever
``notify_rules_changed`` was called by the RPC listener); the API calls
:meth:`Pipeline.quote`, which refreshes first so that quotes see changes
immediately.
"""

import datetime
import decimal

from oslo_log import log as logging

from cloudkitty import dataframe
from cloudkitty.db import api as db_api
from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.rating import modules

LOG = logging.getLogger(__name__)

QUOTE_UNIT = 'undef'


class Pipeline:
    """Rate frames with the enabled rating modules.

    :param conf: the service configuration.
    :param processors: optional ``{module_id: RatingProcessor}`` (tests);
        default: every installed module (:func:`rating.get_processors`).
    """

    def __init__(self, conf, processors=None):
        self.conf = conf
        self._processors = (dict(processors) if processors is not None
                            else rating.get_processors(conf))
        self._active = ()
        self._stale = True

    @property
    def active_modules(self):
        """module_ids of the enabled modules, in execution order."""
        return [proc.module_id for proc in self._active]

    @property
    def batches(self):
        """True when an enabled module rates many frames at once better
        than one by one (it has ``process_many``): callers holding many
        frames should then use :meth:`rate_many`."""
        return any(hasattr(proc, 'process_many') for proc in self._active)

    def notify_rules_changed(self):
        """Make the next :meth:`rate` refresh first (RPC listener hook)."""
        self._stale = True

    def refresh(self, context):
        """Re-read module states and reload changed rules (cheap)."""
        # NOTE(ck): one database transaction for the module states and every
        # module's rules-generation check (they would each open their own:
        # the processor refreshes before every batch of every scope).
        with db_api.context_manager.reader.using(context):
            self._refresh(context)

    def _refresh(self, context):
        infos = modules.list_modules(context, self.conf)
        enabled = [info for info in infos
                   if info.enabled and info.module_id in self._processors]
        enabled.sort(key=lambda info: (-info.priority, info.module_id))
        active = tuple(self._processors[info.module_id] for info in enabled)
        for proc in active:
            try:
                proc.reload(context)
            except exception.RatingError:
                raise
            except Exception as err:  # noqa: B902 - named for the operator
                LOG.exception('Rating module %s cannot load its rules',
                              proc.module_id)
                raise exception.RatingError(module=proc.module_id,
                                            reason=err)
        self._active = active
        self._stale = False

    def rate(self, context, frame, scope_id):
        """Price ``frame`` for ``scope_id`` (None: no tenant rules).

        Rules in force at ``frame.start`` apply.

        :raises cloudkitty.exception.RatingError: naming the failing module.
        """
        if self._stale:
            self.refresh(context)
        at = frame.start
        for proc in self._active:
            try:
                frame = proc.process(frame, scope_id, at)
            except Exception as err:  # noqa: B902 - named for the operator
                raise self._failure(proc, err, scope_id, at)
        return frame

    def rate_many(self, context, items):
        """Price many frames, each as :meth:`rate` would.

        Modules that can batch (``process_many``, e.g. pyscripts: one
        sandbox round trip for many frames) get every frame still in the
        running at once; the others get them one by one. A frame that fails
        does not fail the others.

        :param items: sequence of ``(frame, scope_id)``.
        :returns: one entry per item, in order: the rated DataFrame, or the
            :class:`~cloudkitty.exception.RatingError` it failed with.
        """
        if self._stale:
            self.refresh(context)
        results = [frame for frame, _scope_id in items]
        running = list(range(len(items)))
        for proc in self._active:
            if not running:
                break
            many = getattr(proc, 'process_many', None)
            if many is not None:
                try:
                    outcomes = many([(results[n], items[n][1],
                                      items[n][0].start) for n in running])
                except Exception as err:  # noqa: B902 - named, per frame
                    outcomes = [self._failure(proc, err, items[n][1],
                                              items[n][0].start)
                                for n in running]
            else:
                outcomes = []
                for n in running:
                    try:
                        outcomes.append(proc.process(
                            results[n], items[n][1], items[n][0].start))
                    except Exception as err:  # noqa: B902 - per frame
                        outcomes.append(self._failure(
                            proc, err, items[n][1], items[n][0].start))
            still = []
            for n, outcome in zip(running, outcomes, strict=True):
                results[n] = outcome
                if not isinstance(outcome, exception.RatingError):
                    still.append(n)
            running = still
        return results

    @staticmethod
    def _failure(proc, err, scope_id, at):
        """The RatingError naming ``proc`` for ``err`` (logged with its
        traceback unless the module raised a RatingError itself)."""
        if isinstance(err, exception.RatingError):
            return err
        LOG.error('Rating module %s failed on scope %s period %s: %s',
                  proc.module_id, scope_id, at, err, exc_info=err)
        return exception.RatingError(module=proc.module_id, reason=err)

    def quote(self, context, resources, now=None):
        """Price resources described as in ``POST /v1/rating/quote``.

        :param resources: list of ``{"service", "volume", "desc"}`` dicts.
        :param now: start of the one-period frame (default: now, UTC).
        :returns: the sum of all prices (Decimal).
        :raises cloudkitty.exception.Invalid: a malformed resource.
        """
        self.refresh(context)
        start = now or datetime.datetime.now(datetime.UTC)
        end = start + datetime.timedelta(seconds=self.conf.collect.period)
        frame = dataframe.DataFrame(start, end, quote_usage(resources))
        frame = self.rate(context, frame, None)
        total = decimal.Decimal(0)
        for _type, point in frame.iterpoints():
            total += point.price
        return total


def quote_desc(desc):
    """``(groupby, metadata)`` of a quote resource ``desc`` (spec §6.4).

    Nested objects under ``groupby``/``metadata`` are used as such; every
    other top-level key is added to ``metadata`` (OUR CHOICE: both the
    dashboard's flat desc and HEAD's nested desc work; on a name collision
    the nested ``metadata`` object wins).
    """
    if desc is None:
        return {}, {}
    if not isinstance(desc, dict):
        raise exception.Invalid('desc must be an object')
    groupby = desc.get('groupby')
    metadata = desc.get('metadata')
    groupby = dict(groupby) if isinstance(groupby, dict) else {}
    flat = {key: value for key, value in desc.items()
            if not (key in ('groupby', 'metadata')
                    and isinstance(value, dict))}
    if isinstance(metadata, dict):
        flat.update(metadata)
    return groupby, flat


def quote_usage(resources):
    """Usage mapping (service -> points) of quote resources."""
    if not isinstance(resources, list | tuple):
        raise exception.Invalid('resources must be a list')
    usage = {}
    for resource in resources:
        if not isinstance(resource, dict) or not isinstance(
                resource.get('service'), str):
            raise exception.Invalid('each resource needs a service name')
        try:
            qty = dataframe.to_decimal(resource.get('volume'))
        except ValueError:
            raise exception.Invalid(
                "Invalid input for field/attribute volume. Value: '%s'. "
                "not a number" % (resource.get('volume'),))
        groupby, metadata = quote_desc(resource.get('desc'))
        usage.setdefault(resource['service'], []).append(
            dataframe.DataPoint(QUOTE_UNIT, qty, 0, groupby, metadata))
    return usage
