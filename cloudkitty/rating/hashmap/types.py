"""WSME types of the hashmap API (spec §3.4.1), each with a ``sample()``.

Costs render with 28 fractional digits, levels with 8 (§1.8). Attributes
have no WSME defaults: an absent attribute stays ``Unset`` so that updates
know what the caller really sent (the API applies the create defaults).
"""

import datetime
import decimal

from wsme import types as wtypes

from cloudkitty.api import types as ck_types

MAP_TYPES = ('flat', 'rate')
MapType = ck_types.EnumType(*MAP_TYPES)
Cost = ck_types.DecimalType(places=28, max_int_digits=12)
Level = ck_types.DecimalType(places=8, max_int_digits=12)
Name = ck_types.TextType(max_length=255)
Description = ck_types.TextType(max_length=256)

_SERVICE_ID = '55637597-e891-41ba-858d-2df292c465db'
_FIELD_ID = 'a4ba7a87-2bd0-4fc3-9f55-ca4a3ae1d4a8'
_GROUP_ID = '0a8c9f0c-b3b5-4b48-a5a6-5a2b7b4a6d8e'


class Service(wtypes.Base):
    """A hashmap service: rates the metric type of the same name."""

    service_id = wtypes.wsattr(ck_types.Uuid)
    name = wtypes.wsattr(Name, mandatory=True)

    @classmethod
    def sample(cls):
        return cls(service_id=_SERVICE_ID, name='instance')


class ServiceCollection(wtypes.Base):
    services = [Service]

    @classmethod
    def sample(cls):
        return cls(services=[Service.sample()])


class Field(wtypes.Base):
    """A field: an attribute of the points of its service."""

    field_id = wtypes.wsattr(ck_types.Uuid)
    name = wtypes.wsattr(Name, mandatory=True)
    service_id = wtypes.wsattr(ck_types.Uuid, mandatory=True)

    @classmethod
    def sample(cls):
        return cls(field_id=_FIELD_ID, name='flavor_name',
                   service_id=_SERVICE_ID)


class FieldCollection(wtypes.Base):
    fields = [Field]

    @classmethod
    def sample(cls):
        return cls(fields=[Field.sample()])


class Group(wtypes.Base):
    """A calculation group (groups are summed)."""

    group_id = wtypes.wsattr(ck_types.Uuid)
    name = wtypes.wsattr(Name, mandatory=True)

    @classmethod
    def sample(cls):
        return cls(group_id=_GROUP_ID, name='instance_uptime')


class GroupCollection(wtypes.Base):
    groups = [Group]

    @classmethod
    def sample(cls):
        return cls(groups=[Group.sample()])


class Mapping(wtypes.Base):
    """A price for a service, or for one value of a field."""

    mapping_id = wtypes.wsattr(ck_types.Uuid)
    value = wtypes.wsattr(Name)
    type = wtypes.wsattr(MapType)
    cost = wtypes.wsattr(Cost, mandatory=True)
    service_id = wtypes.wsattr(ck_types.Uuid)
    field_id = wtypes.wsattr(ck_types.Uuid)
    group_id = wtypes.wsattr(ck_types.Uuid)
    tenant_id = wtypes.wsattr(Name)
    created_at = wtypes.wsattr(ck_types.DateTime)
    start = wtypes.wsattr(ck_types.DateTime)
    end = wtypes.wsattr(ck_types.EndDateTime)
    name = wtypes.wsattr(Name)
    description = wtypes.wsattr(Description)
    deleted = wtypes.wsattr(ck_types.DateTime)
    created_by = wtypes.wsattr(Name)
    updated_by = wtypes.wsattr(Name)
    deleted_by = wtypes.wsattr(Name)

    @classmethod
    def sample(cls):
        return cls(mapping_id='052cee3a-845f-4282-bc27-ab486496cda3',
                   value='m1.small', type='flat',
                   cost=decimal.Decimal('0.05'), service_id=None,
                   field_id=_FIELD_ID, group_id=_GROUP_ID, tenant_id=None,
                   created_at=datetime.datetime(2026, 11, 26, 19, 13, 18),
                   start=datetime.datetime(2026, 11, 26, 19, 13, 18),
                   end=None, name='365ed1dfdb66466da15a7413d7cd3d8a',
                   description=None, deleted=None, created_by='unknown',
                   updated_by=None, deleted_by=None)


class MappingCollection(wtypes.Base):
    mappings = [Mapping]

    @classmethod
    def sample(cls):
        return cls(mappings=[Mapping.sample()])


class Threshold(wtypes.Base):
    """A price applying from a quantity (or attribute) level on."""

    threshold_id = wtypes.wsattr(ck_types.Uuid)
    level = wtypes.wsattr(Level, mandatory=True)
    type = wtypes.wsattr(MapType)
    cost = wtypes.wsattr(Cost, mandatory=True)
    service_id = wtypes.wsattr(ck_types.Uuid)
    field_id = wtypes.wsattr(ck_types.Uuid)
    group_id = wtypes.wsattr(ck_types.Uuid)
    tenant_id = wtypes.wsattr(Name)

    @classmethod
    def sample(cls):
        return cls(threshold_id='3a2079c8-45b2-43bb-8872-77a02d17070d',
                   level=decimal.Decimal(2), type='flat',
                   cost=decimal.Decimal(100), service_id=_SERVICE_ID,
                   field_id=None, group_id=None, tenant_id=None)


class ThresholdCollection(wtypes.Base):
    thresholds = [Threshold]

    @classmethod
    def sample(cls):
        return cls(thresholds=[Threshold.sample()])


def to_api(cls, obj):
    """The WSME object of a hashmap value object (same attribute names)."""
    return cls(**{attr.key: getattr(obj, attr.key)
                  for attr in wtypes.list_attributes(cls)})


def sent(obj):
    """Attributes of a request body object that were actually sent."""
    return {attr.key: getattr(obj, attr.key)
            for attr in wtypes.list_attributes(type(obj))
            if getattr(obj, attr.key) is not wtypes.Unset}
