"""Value objects returned by the hashmap DB layer, and input conversions.

Each object carries every attribute the v1 API shows (spec §3.4.1) under
the same name, so the API layer only serialises them: ids are the public
UUID strings, costs/levels are Decimals quantized to their column scale,
datetimes are naive UTC.
"""

import dataclasses
import datetime
import decimal

from cloudkitty import dataframe
from cloudkitty.rating.hashmap import errors
from cloudkitty.rating.hashmap import rules

COST_SCALE = decimal.Decimal('1E-28')
LEVEL_SCALE = decimal.Decimal('1E-8')
MAX_INTEGER_DIGITS = 12
_LIMIT = decimal.Decimal(10) ** MAX_INTEGER_DIGITS
_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN)


@dataclasses.dataclass(frozen=True)
class Service:
    service_id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Field:
    field_id: str
    name: str
    service_id: str


@dataclasses.dataclass(frozen=True)
class Group:
    group_id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Mapping:
    mapping_id: str
    value: str | None
    type: str
    cost: decimal.Decimal
    service_id: str | None
    field_id: str | None
    group_id: str | None
    tenant_id: str | None
    created_at: datetime.datetime
    start: datetime.datetime
    end: datetime.datetime | None
    name: str
    description: str | None
    deleted: datetime.datetime | None
    created_by: str
    updated_by: str | None
    deleted_by: str | None


@dataclasses.dataclass(frozen=True)
class Threshold:
    threshold_id: str
    level: decimal.Decimal
    type: str
    cost: decimal.Decimal
    service_id: str | None
    field_id: str | None
    group_id: str | None
    tenant_id: str | None


def service_of(row):
    return Service(service_id=row.service_id, name=row.name)


def field_of(row):
    return Field(field_id=row.field_id, name=row.name,
                 service_id=row.service_id)


def group_of(row):
    return Group(group_id=row.group_id, name=row.name)


def mapping_of(row):
    return Mapping(
        mapping_id=row.mapping_id, value=row.value, type=row.map_type,
        cost=row.cost, service_id=row.service_id, field_id=row.field_id,
        group_id=row.group_id, tenant_id=row.tenant_id,
        created_at=row.created_at, start=row.start, end=row.end,
        name=row.name, description=row.description, deleted=row.deleted,
        created_by=row.created_by, updated_by=row.updated_by,
        deleted_by=row.deleted_by)


def threshold_of(row):
    return Threshold(
        threshold_id=row.threshold_id, level=row.level, type=row.map_type,
        cost=row.cost, service_id=row.service_id, field_id=row.field_id,
        group_id=row.group_id, tenant_id=row.tenant_id)


def _quantize(attr, value, scale):
    try:
        number = dataframe.to_decimal(value)
    except ValueError:
        raise errors.InvalidAttribute(attr=attr, value=value,
                                      reason='Invalid decimal value')
    quantized = number.quantize(scale, context=_CONTEXT)
    if abs(quantized) >= _LIMIT:
        raise errors.InvalidAttribute(
            attr=attr, value=value,
            reason='At most %d integer digits are allowed'
                   % MAX_INTEGER_DIGITS)
    if quantized.is_zero():
        quantized = abs(quantized)
    return quantized


def cost(value):
    """A cost as stored: half-even to 28 places, |cost| < 10**12.

    :raises errors.InvalidAttribute: not a number, or too large.
    """
    return _quantize('cost', value, COST_SCALE)


def level(value):
    """A threshold level as stored: half-even to 8 places, < 10**12."""
    return _quantize('level', value, LEVEL_SCALE)


MAX_TEXT = 255


def text(attr, value, limit=MAX_TEXT, required=False):
    """A string attribute within its column size.

    :raises errors.InvalidAttribute: not a string, empty when
        ``required``, or longer than ``limit``.
    """
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise errors.InvalidAttribute(attr=attr, value=value,
                                      reason='Mandatory field missing.'
                                      if not value else 'Wrong type.')
    if len(value) > limit:
        raise errors.InvalidAttribute(
            attr=attr, value=value,
            reason='Value should have a maximum character requirement of '
                   '%d' % limit)
    return value


def map_type(value):
    """``flat`` or ``rate``.

    :raises errors.InvalidType: anything else.
    """
    if value not in rules.TYPES:
        raise errors.InvalidType(value)
    return value
