"""Declarative base and the core tables of CloudKitty.

Every model of the service (core, rating modules, storage) derives from
:data:`Base`, so that one metadata, hence one alembic history, describes the
whole database. Constraints and indexes are named with
``uniq_<table>0<col>`` / ``<table>_<col>_idx`` (and the naming convention
below for the rest) so that migrations can refer to them on every backend.
"""

import datetime
import decimal

import sqlalchemy as sa
from sqlalchemy import orm

NAMING_CONVENTION = {
    'ix': '%(table_name)s_%(column_0_N_name)s_idx',
    'uq': 'uniq_%(table_name)s0%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}

# NOTE(ck): every module that declares tables, in import order. The alembic
# environment and the schema tests import them all so that the metadata is
# complete; a new table module is added here.
MODEL_MODULES = (
    'cloudkitty.db.models',
    'cloudkitty.storage.models',
    'cloudkitty.rating.hashmap.models',
    'cloudkitty.db.reprocessing',
    'cloudkitty.rating.pyscripts.models',
)


def utcnow():
    """Naive UTC now (the database stores naive UTC datetimes)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class ExactDecimal(sa.types.TypeDecorator):
    """NUMERIC(precision, scale) that never goes through a binary float.

    PostgreSQL and MariaDB store it as NUMERIC/DECIMAL. SQLite has no
    decimal type (its NUMERIC affinity turns ``0.1`` into a float), so the
    value is kept there as its plain fixed-point text and read back as a
    Decimal. Money and quantities use it everywhere.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision, scale):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == 'sqlite':
            return dialect.type_descriptor(sa.String(self.precision + 2))
        return dialect.type_descriptor(sa.Numeric(self.precision,
                                                  self.scale))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != 'sqlite':
            return value
        return format(decimal.Decimal(value), 'f')

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, decimal.Decimal):
            return value
        return decimal.Decimal(str(value))


class TimestampMixin:
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=True, onupdate=utcnow)


class ModuleState(Base):
    """Enabled flag and priority of a rating module (and collector states).

    Collector states of the deprecated v1 collector API live here too, under
    the name ``collector_<name>``, as upstream does.
    """

    __tablename__ = 'modules_state'

    name = sa.Column(sa.String(255), primary_key=True)
    state = sa.Column(sa.Boolean, nullable=False, default=False)
    priority = sa.Column(sa.Integer, nullable=True)


class CollectorMapping(Base):
    """Service to collector mapping of the deprecated v1 collector API."""

    __tablename__ = 'collector_mappings'

    service = sa.Column(sa.String(255), primary_key=True)
    collector = sa.Column(sa.String(255), nullable=False)


class ScopeState(TimestampMixin, Base):
    """Processing state of one scope.

    ``last_processed_timestamp`` is the *start* of the last period rated for
    the scope (NULL: nothing rated yet). The storage backend updates it in
    the same transaction as the rated rows of that period, which is what
    makes rating exactly-once per (scope, period).
    """

    __tablename__ = 'scope_state'
    __table_args__ = (
        sa.UniqueConstraint('identifier', name='uniq_scope_state0identifier'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    identifier = sa.Column(sa.String(255), nullable=False)
    scope_key = sa.Column(sa.String(255), nullable=False,
                          default='project_id')
    fetcher = sa.Column(sa.String(255), nullable=True)
    collector = sa.Column(sa.String(255), nullable=True)
    last_processed_timestamp = sa.Column(sa.DateTime, nullable=True)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    scope_activation_toggle_date = sa.Column(sa.DateTime, nullable=True)


def load_all_models():
    """Import every table module; return the complete metadata."""
    import importlib
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
