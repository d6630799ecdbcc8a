"""Tables of the in-tree SQL storage backend.

``storage_points``
    One row per rated point: the scope the frame was pushed for, the
    period, the metric type, unit, quantity, price, and the point's
    ``groupby`` and ``metadata`` maps as JSON text. The autoincrement ``id``
    gives the insertion order the API sorts ties on.

``storage_daily``
    A rollup maintained in the same transaction as the points: per scope,
    UTC day (of the period begin) and metric type, the number of points,
    the sums of quantity and price, and the latest period end seen in the
    bucket. Reports over whole days read it instead of the points (see
    :mod:`cloudkitty.storage.queries` for how windows are split).

``storage_monthly``
    The same per UTC month (``day`` = first day of the month), so that a
    month-long report reads one row per scope and type whatever the
    number of points.
"""


import sqlalchemy as sa

from cloudkitty.db import models

# NOTE(ck): amounts are exact decimals with 20 integer digits (a byte
# counter of a 10 Gb/s link over a day is ~1e14; 1e20 leaves room for any
# sum of a day bucket) and 18 fractional digits (sixteen orders of magnitude
# below any currency's smallest unit; hashmap costs have 28 fractional
# digits, but a price is cost x qty and no finite scale holds every product
# exactly, so we quantize half-even at 18 and say so). 38 digits fit every
# backend: PostgreSQL NUMERIC, MariaDB DECIMAL (max 65).
AMOUNT_PRECISION = 38
AMOUNT_SCALE = 18


class Amount(models.ExactDecimal):
    """Exact decimal amount: NUMERIC(38, 18), fixed-point text on SQLite.

    Sums on SQLite use a Python aggregate (see
    :mod:`cloudkitty.storage.dialects`).
    """

    cache_ok = True

    def __init__(self):
        super().__init__(AMOUNT_PRECISION, AMOUNT_SCALE)


# NOTE(ck): BIGINT ids on servers, but SQLite only autoincrements an
# INTEGER PRIMARY KEY (rowid alias).
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


class StoragePoint(models.Base):
    """One rated point (see the module docstring)."""

    __tablename__ = 'storage_points'
    __table_args__ = (
        sa.Index('storage_points_scope_id_begin_idx', 'scope_id', 'begin'),
        sa.Index('storage_points_begin_end_idx', 'begin', 'end'),
    )

    id = sa.Column(_ID, primary_key=True, autoincrement=True)
    scope_id = sa.Column(sa.String(255), nullable=False)
    begin = sa.Column(sa.DateTime, nullable=False)
    end = sa.Column(sa.DateTime, nullable=False)
    type = sa.Column(sa.String(255), nullable=False)
    unit = sa.Column(sa.String(255), nullable=False)
    qty = sa.Column(Amount(), nullable=False)
    price = sa.Column(Amount(), nullable=False)
    groupby = sa.Column(sa.Text, nullable=False)
    # NOTE(ck): ``metadata`` is reserved by the declarative base.
    meta = sa.Column('metadata', sa.Text, nullable=False)


class _RollupColumns:
    scope_id = sa.Column(sa.String(255), nullable=False)
    day = sa.Column(sa.Date, nullable=False)
    type = sa.Column(sa.String(255), nullable=False)
    n = sa.Column(sa.BigInteger, nullable=False)
    qty = sa.Column(Amount(), nullable=False)
    price = sa.Column(Amount(), nullable=False)
    max_end = sa.Column(sa.DateTime, nullable=False)


class StorageDaily(_RollupColumns, models.Base):
    """Daily rollup of storage_points (see the module docstring)."""

    __tablename__ = 'storage_daily'
    __table_args__ = (
        sa.PrimaryKeyConstraint('scope_id', 'day', 'type',
                                name='pk_storage_daily'),
        sa.Index('storage_daily_day_idx', 'day'),
    )


class StorageMonthly(_RollupColumns, models.Base):
    """Monthly rollup of storage_points (``day``: first of the month)."""

    __tablename__ = 'storage_monthly'
    __table_args__ = (
        sa.PrimaryKeyConstraint('scope_id', 'day', 'type',
                                name='pk_storage_monthly'),
        sa.Index('storage_monthly_day_idx', 'day'),
    )


points = StoragePoint.__table__
daily = StorageDaily.__table__
monthly = StorageMonthly.__table__
