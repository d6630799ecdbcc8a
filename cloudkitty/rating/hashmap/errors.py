"""Hashmap errors, with the exact upstream texts (spec v1 §3.4, §4.7).

The family decides the HTTP status (NotFound 404, Conflict 409,
Invalid 400). An unknown parent named in a *create* request is a 400
(``Invalid*`` classes), while the same unknown id in a path is a 404.
"""

from cloudkitty import exception


class NoSuchService(exception.NotFound):
    msg_fmt = 'No such service: None (UUID: %(uuid)s)'


class InvalidService(exception.Invalid):
    msg_fmt = NoSuchService.msg_fmt


class NoSuchField(exception.NotFound):
    msg_fmt = 'No such field: %(uuid)s'


class InvalidField(exception.Invalid):
    msg_fmt = NoSuchField.msg_fmt


class NoSuchGroup(exception.NotFound):
    msg_fmt = 'No such group: None (UUID: %(uuid)s)'


class InvalidGroup(exception.Invalid):
    msg_fmt = NoSuchGroup.msg_fmt


class NoSuchMapping(exception.NotFound):
    msg_fmt = 'No such mapping: %(uuid)s'


class NoSuchThreshold(exception.NotFound):
    msg_fmt = 'No such threshold: %(uuid)s'


class MappingHasNoGroup(exception.NotFound):
    msg_fmt = 'Mapping has no group (UUID: %(uuid)s)'


class ThresholdHasNoGroup(exception.NotFound):
    msg_fmt = 'Threshold has no group (UUID: %(uuid)s)'


class ServiceAlreadyExists(exception.Conflict):
    msg_fmt = 'Service %(name)s already exists (UUID: %(uuid)s)'


class FieldAlreadyExists(exception.Conflict):
    msg_fmt = 'Field %(name)s already exists (UUID: %(uuid)s)'


class GroupAlreadyExists(exception.Conflict):
    msg_fmt = 'Group %(name)s already exists (UUID: %(uuid)s)'


class MappingAlreadyExists(exception.Conflict):
    msg_fmt = ("Mapping '%(value)s' already exists for %(parent_type)s "
               "'%(parent_id)s', tenant: '%(tenant_id)s'")


class ThresholdAlreadyExists(exception.Conflict):
    msg_fmt = ("Threshold '%(level)s' already exists for %(parent_type)s "
               "'%(parent_id)s', tenant: '%(tenant_id)s'")


class OneParentOnly(exception.Invalid):
    msg_fmt = 'You can only specify one parent.'


class ParentRequired(exception.Invalid):
    msg_fmt = 'You must specify one parent.'


class ValueWithService(exception.Invalid):
    msg_fmt = "You can't specify a value and a service_id."


class ValueRequired(exception.Invalid):
    msg_fmt = 'You must specify a value for a field mapping.'


class ThresholdFilterRequired(exception.Invalid):
    msg_fmt = ('You must specify either service_uuid, field_uuid or '
               'group_uuid.')


class InvalidAttribute(exception.Invalid):
    """Same wording as the API's typing errors (spec §1.5)."""

    msg_fmt = ("Invalid input for field/attribute %(attr)s. "
               "Value: '%(value)s'. %(reason)s")


class InvalidType(InvalidAttribute):
    def __init__(self, value):
        super().__init__(attr='type', value=value,
                         reason='Value should be one of: flat, rate')
