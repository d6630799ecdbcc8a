"""WSME types of the v2 resources with a fixed shape (modules, scopes,
reprocessing tasks). Each has a ``sample()`` for the API reference.

Summary and dataframes have data-dependent keys (groupby columns, metric
types) and are rendered as plain JSON (:mod:`cloudkitty.api.v2.base`).
"""

import datetime

from wsme import types as wtypes

from cloudkitty.api import types as ck_types


class AwareDateTimeType(wtypes.UserType):
    """Datetime rendered as ISO 8601 with ``+00:00`` (v2 §1.7)."""

    basetype = wtypes.text
    name = 'datetime_utc'

    def frombasetype(self, value):
        return value

    def tobasetype(self, value):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat()


class NaiveDateTimeType(wtypes.UserType):
    """Datetime rendered naive (reprocessing task times, v2 §1.7); an
    unset value renders as ``""``."""

    basetype = wtypes.text
    name = 'datetime_naive'

    def frombasetype(self, value):
        return value

    def tobasetype(self, value):
        if value is None or value == '':
            return ''
        return ck_types.format_datetime(value)


AwareDateTime = AwareDateTimeType()
NaiveDateTime = NaiveDateTimeType()


class Module(wtypes.Base):
    """A rating module; the key is ``hot_config`` (v2 §3.1)."""

    module_id = wtypes.text
    description = wtypes.text
    enabled = bool
    hot_config = bool
    priority = int

    @classmethod
    def from_info(cls, info):
        return cls(module_id=info.module_id, description=info.description,
                   enabled=info.enabled, hot_config=info.hot_config,
                   priority=info.priority)

    @classmethod
    def sample(cls):
        return cls(module_id='hashmap', description='HashMap rating module.',
                   enabled=False, hot_config=True, priority=1)


class ModuleCollection(wtypes.Base):
    modules = [Module]


class Scope(wtypes.Base):
    """Processing state of one scope (v2 §3.5).

    ``last_processed_timestamp`` is the END of the last rated period (the
    database keeps its start; see :mod:`cloudkitty.api.v2.scope`).
    """

    scope_id = wtypes.text
    scope_key = wtypes.text
    fetcher = wtypes.text
    collector = wtypes.text
    last_processed_timestamp = AwareDateTime
    active = bool
    scope_activation_toggle_date = AwareDateTime

    @classmethod
    def sample(cls):
        return cls(scope_id='aaaa', scope_key='project_id',
                   fetcher='keystone', collector='gnocchi',
                   last_processed_timestamp=datetime.datetime(
                       2019, 1, 1, tzinfo=datetime.UTC),
                   active=True,
                   scope_activation_toggle_date=datetime.datetime(
                       2026, 11, 26, 19, 43, 32, tzinfo=datetime.UTC))


class ScopeCollection(wtypes.Base):
    results = [Scope]


class ReprocessTask(wtypes.Base):
    """A reprocessing schedule (v2 §3.6.2); times are naive UTC."""

    scope_id = wtypes.text
    reason = wtypes.text
    start_reprocess_time = NaiveDateTime
    end_reprocess_time = NaiveDateTime
    current_reprocess_time = NaiveDateTime

    @classmethod
    def sample(cls):
        return cls(scope_id='p1', reason='test',
                   start_reprocess_time=datetime.datetime(2026, 11, 2),
                   end_reprocess_time=datetime.datetime(2026, 11, 2, 1),
                   current_reprocess_time=None)


class ReprocessTaskCollection(wtypes.Base):
    results = [ReprocessTask]
