"""Rated storage: where priced frames go, and the queries reports run.

A backend is a :class:`BaseStorage` loaded by :func:`get_storage` from the
``cloudkitty.storage.backends`` entry points (``[storage] backend``). The
in-tree backend is :class:`cloudkitty.storage.sqlalchemy.SQLAlchemyStorage`
(SQLite, PostgreSQL, MariaDB/MySQL).

Two window rules exist, because the two API versions disagree (v1 §7.1,
v2 §3.4.3):

* :data:`WINDOW_V1` -- a row counts when its ``begin`` **and** ``end`` lie
  in ``[begin, end]`` (bounds included);
* :data:`WINDOW_V2` -- a row counts when ``begin <= row.begin < end``.

Every query takes ``window=`` (default v1). Datetimes given to queries may
be aware or naive (naive = UTC) datetimes or ISO 8601 strings; results carry
aware UTC datetimes and exact :class:`decimal.Decimal` amounts.

This package imports no web framework.
"""

import abc
import dataclasses
import datetime
import decimal
import typing

from stevedore import driver
from stevedore import exception as stevedore_exc

from cloudkitty import exception

NAMESPACE = 'cloudkitty.storage.backends'

#: Metric type of the marker row stored for a period whose points were all
#: filtered away (v1 §2.6). Hidden from dataframes, totals and summaries;
#: counted by :meth:`BaseStorage.tenants`.
NO_DATA_TYPE = '_NO_DATA_'

WINDOW_V1 = 'v1'
WINDOW_V2 = 'v2'
WINDOWS = (WINDOW_V1, WINDOW_V2)

#: Orders of :meth:`BaseStorage.dataframes`: v1 = (begin, scope, insertion),
#: v2 = (begin, type, insertion).
ORDER_V1 = 'v1'
ORDER_V2 = 'v2'

#: ``time-x`` summary keys and the groupby key each groups on (v2 §3.4.4).
TIME_KEYS = {'time-d': 'day_of_the_year', 'time-w': 'week_of_the_year',
             'time-m': 'month', 'time-y': 'year'}


class StorageError(exception.CloudKittyException):
    msg_fmt = 'Storage error: %(reason)s'


class InvalidDate(exception.Invalid):
    msg_fmt = 'Invalid datetime for %(name)s: %(value)r.'


class InvalidAmount(exception.Invalid):
    msg_fmt = ('%(name)s %(value)s does not fit the storage precision '
               '(at most 20 integer digits).')


class InvalidGroupBy(exception.Invalid):
    msg_fmt = ('Invalid groupby time option. There is no groupby processing '
               'for [%(key)s].')


class InvalidQuery(exception.Invalid):
    msg_fmt = 'Invalid storage query: %(reason)s'


class RatedPoint(typing.NamedTuple):
    """One stored point, as queries return it (immutable)."""

    id: int
    scope_id: str
    begin: datetime.datetime
    end: datetime.datetime
    type: str
    unit: str
    qty: decimal.Decimal
    price: decimal.Decimal
    groupby: dict
    metadata: dict

    @property
    def desc(self):
        """metadata overlaid by groupby (the v1 legacy ``desc``)."""
        merged = dict(self.metadata)
        merged.update(self.groupby)
        return merged


class SummaryRow(typing.NamedTuple):
    """One group of a summary (immutable).

    ``begin``/``end`` are the query window, or the stored period when the
    summary groups on ``time``; ``groups`` maps each grouping column (in
    request order) to the group's value.

    NOTE(ck): named tuples, because a summary may build thousands of rows
    and a frozen dataclass costs several times more to create.
    """

    begin: datetime.datetime
    end: datetime.datetime
    qty: decimal.Decimal
    price: decimal.Decimal
    groups: dict
    #: one value per ``aggregates`` item asked of :meth:`BaseStorage.summary`
    #: (empty when none were)
    values: tuple = ()


#: Functions a summary can apply to ``qty`` or ``price`` (``aggregates`` of
#: :meth:`BaseStorage.summary`; the v2 API's ``custom_fields``).
AGGREGATES = ('SUM', 'MAX', 'MIN', 'MEAN', 'COUNT', 'FIRST', 'LAST')
AGGREGATED_FIELDS = ('qty', 'price')


@dataclasses.dataclass(frozen=True)
class Summary:
    """A page of summary rows; ``total`` counts every group."""

    total: int
    columns: list
    rows: list


class BaseStorage(abc.ABC):
    """A rated-data store.

    :param conf: the service configuration (``[collect] scope_key`` names
        the groupby key that holds a point's scope).
    """

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def push(self, context, scope_id, frame, scope_key='project_id',
             fetcher=None, collector=None, mark_empty=False,
             set_state=True):
        """Store one rated frame of one scope, exactly once.

        Replaces whatever was stored for ``(scope_id, frame.start)`` and
        sets the scope's ``last_processed_timestamp`` to ``frame.start``,
        in one transaction: after a failure nothing changed.

        :param mark_empty: store the ``_NO_DATA_`` marker when the frame
            has no point (the period had data that was all filtered away).
        :param set_state: False when re-rating an old period (reprocessing)
            must not move the scope's state.
        """

    @abc.abstractmethod
    def push_many(self, context, frames, scope_key='project_id',
                  fetcher=None, collector=None, mark_empty=False,
                  set_state=True, expected_state=None):
        """:meth:`push` for many ``(scope_id, frame)`` in ONE transaction;
        each scope's state becomes its latest frame start.

        :param expected_state: ``{scope_id: datetime or None}`` (naive
            values are UTC),
            the ``last_processed_timestamp`` each scope had when its
            periods were collected (None: no state yet). When given,
            nothing is written unless every state still has that value:
            :class:`~cloudkitty.exception.StateConflict` (the processor's
            guard against two writers of one scope).
        """

    @abc.abstractmethod
    def append(self, context, frames):
        """Add the points of ``frames`` (POST /v2/dataframes): no
        replacement, no state change; each point's scope is its
        ``groupby[scope_key]`` (``""`` when absent)."""

    @abc.abstractmethod
    def total(self, context, begin, end, scope_ids=None, types=None,
              window=WINDOW_V1):
        """Sum of prices in the window (Decimal, 0 when nothing)."""

    @abc.abstractmethod
    def summary(self, context, begin, end, groupby=(), filters=None,
                scope_ids=None, types=None, window=WINDOW_V1, offset=0,
                limit=None, aggregates=None):
        """Sums of qty and price grouped by ``groupby`` -> :class:`Summary`.

        ``aggregates``: ``[(function, field)]``, a function of
        :data:`AGGREGATES` over ``qty`` or ``price``; each row's ``values``
        then holds them in that order (exact Decimals; ``COUNT`` an int;
        ``MEAN`` rounded half-even to the amount scale; ``FIRST``/``LAST``
        the value of the point whose period begins first/last, the first
        stored among equals).

        ``groupby`` items: ``type``, ``scope_id`` (or the scope key),
        ``time`` (stored period), ``time-d|w|m|y``, or any groupby key.
        ``filters``: key -> value or list of values (OR within a key, AND
        across keys); ``type`` and the scope key filter their columns, other
        keys match the point's groupby or metadata value as text. Rows are
        sorted by their group values as strings (then period).
        """

    @abc.abstractmethod
    def tenants(self, context, begin, end, window=WINDOW_V1):
        """Sorted scope ids with at least one row (markers included)."""

    @abc.abstractmethod
    def dataframes(self, context, begin, end, scope_ids=None, types=None,
                   filters=None, offset=0, limit=None, window=WINDOW_V1,
                   order=ORDER_V1):
        """List of :class:`RatedPoint` in the window (markers only when
        ``types`` names ``_NO_DATA_``)."""

    @abc.abstractmethod
    def count_dataframes(self, context, begin, end, scope_ids=None,
                         types=None, filters=None, window=WINDOW_V1):
        """Number of points :meth:`dataframes` would list without paging."""

    @abc.abstractmethod
    def iter_dataframes(self, context, begin, end, scope_ids=None,
                        types=None, filters=None, window=WINDOW_V1,
                        chunk=5000):
        """Like :meth:`dataframes` in v1 order, fetched ``chunk`` rows per
        query (for unbounded v1 listings)."""

    @abc.abstractmethod
    def delete(self, context, scope_ids=None, begin=None, end=None):
        """Delete rows of ``scope_ids`` (all when None) whose period begins
        in ``[begin, end)`` (open bounds when None); returns the count."""

    @abc.abstractmethod
    def purge(self, context, before):
        """Delete every row whose period begins before ``before``."""


def get_storage(conf):
    """Load the ``[storage] backend`` driver.

    :raises cloudkitty.exception.ConfigError: unknown backend name.
    """
    name = conf.storage.backend
    try:
        manager = driver.DriverManager(NAMESPACE, name, invoke_on_load=True,
                                       invoke_args=(conf,))
    except stevedore_exc.NoMatches:
        raise exception.ConfigError(
            group='storage', option='backend',
            reason='unknown storage backend %r' % (name,))
    return manager.driver
