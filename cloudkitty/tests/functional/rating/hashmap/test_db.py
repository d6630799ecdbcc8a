"""Hashmap DB layer on SQLite, PostgreSQL and MariaDB: validations,
conflicts, deletes, filters and decimal precision (spec §3.4, §4.5-§4.8)."""

import datetime
import decimal

import pytest

from cloudkitty import context as ck_context
from cloudkitty import exception
from cloudkitty.rating import modules
from cloudkitty.rating import validity
from cloudkitty.rating.hashmap import db as hashmap_db

D = decimal.Decimal
NOW = datetime.datetime(2026, 11, 26, 19, 14, 3, 639454)
PAST = datetime.datetime(2014, 1, 1)
FUTURE = datetime.datetime(3000, 1, 1)


@pytest.fixture
def ctx(db):
    return ck_context.RequestContext(user_id='alice', is_admin=True,
                                     overwrite=False)


@pytest.fixture
def tree(ctx):
    service = hashmap_db.create_service(ctx, 'instance')
    field = hashmap_db.create_field(ctx, service.service_id, 'flavor')
    group = hashmap_db.create_group(ctx, 'g1')
    return service, field, group


def test_service_crud_and_messages(ctx):
    service = hashmap_db.create_service(ctx, 'cpu')
    assert hashmap_db.get_service(ctx, service.service_id) == service
    assert hashmap_db.list_services(ctx) == [service]
    with pytest.raises(hashmap_db.ServiceAlreadyExists) as err:
        hashmap_db.create_service(ctx, 'cpu')
    assert str(err.value) == ('Service cpu already exists (UUID: %s)'
                              % service.service_id)
    assert isinstance(err.value, exception.Conflict)
    with pytest.raises(hashmap_db.NoSuchService) as err:
        hashmap_db.get_service(ctx, 'nope')
    assert str(err.value) == 'No such service: None (UUID: nope)'
    hashmap_db.delete_service(ctx, service.service_id)
    assert hashmap_db.list_services(ctx) == []
    with pytest.raises(hashmap_db.NoSuchService):
        hashmap_db.delete_service(ctx, service.service_id)


def test_field_crud_and_messages(ctx, tree):
    service, field, _group = tree
    assert hashmap_db.list_fields(ctx, service.service_id) == [field]
    assert hashmap_db.list_fields(ctx, 'instance') == []
    assert hashmap_db.get_field(ctx, field.field_id) == field
    with pytest.raises(hashmap_db.FieldAlreadyExists) as err:
        hashmap_db.create_field(ctx, service.service_id, 'flavor')
    assert str(err.value) == ('Field flavor already exists (UUID: %s)'
                              % field.field_id)
    with pytest.raises(hashmap_db.InvalidService) as err:
        hashmap_db.create_field(ctx, 'missing', 'flavor')
    assert isinstance(err.value, exception.Invalid)
    assert str(err.value) == 'No such service: None (UUID: missing)'
    other = hashmap_db.create_service(ctx, 'volume')
    assert hashmap_db.create_field(ctx, other.service_id, 'flavor').name
    with pytest.raises(hashmap_db.NoSuchField) as err:
        hashmap_db.get_field(ctx, '42')
    assert str(err.value) == 'No such field: 42'


def test_group_crud_and_messages(ctx, tree):
    group = tree[2]
    assert hashmap_db.list_groups(ctx) == [group]
    with pytest.raises(hashmap_db.GroupAlreadyExists) as err:
        hashmap_db.create_group(ctx, 'g1')
    assert str(err.value) == 'Group g1 already exists (UUID: %s)' % (
        group.group_id)
    with pytest.raises(hashmap_db.NoSuchGroup) as err:
        hashmap_db.get_group(ctx, 'x')
    assert str(err.value) == 'No such group: None (UUID: x)'


def test_mapping_create_defaults_and_audit(ctx, tree):
    service = tree[0]
    mapping = hashmap_db.create_mapping(
        ctx, '2', service_id=service.service_id, now=NOW)
    assert mapping.type == 'flat' and mapping.value is None
    assert str(mapping.cost) == '2.0000000000000000000000000000'
    assert mapping.start == NOW and mapping.created_at == NOW
    assert mapping.end is None and mapping.deleted is None
    assert mapping.created_by == 'alice' and mapping.updated_by is None
    assert len(mapping.name) == 32
    assert hashmap_db.get_mapping(ctx, mapping.mapping_id) == mapping


@pytest.mark.parametrize('kwargs,error,message', [
    ({'service_id': 'S', 'field_id': 'F'}, 'OneParentOnly',
     'You can only specify one parent.'),
    ({}, 'ParentRequired', 'You must specify one parent.'),
    ({'service_id': 'S', 'value': 'x'}, 'ValueWithService',
     "You can't specify a value and a service_id."),
    ({'field_id': 'F'}, 'ValueRequired',
     'You must specify a value for a field mapping.'),
    ({'field_id': 'F', 'value': ''}, 'ValueRequired',
     'You must specify a value for a field mapping.'),
    ({'field_id': 'nope', 'value': 'a'}, 'InvalidField',
     'No such field: nope'),
    ({'service_id': 'nope'}, 'InvalidService',
     'No such service: None (UUID: nope)'),
    ({'service_id': 'S', 'group_id': 'nope'}, 'InvalidGroup',
     'No such group: None (UUID: nope)'),
    ({'service_id': 'S', 'type': 'fail'}, 'InvalidType',
     "Invalid input for field/attribute type. Value: 'fail'. "
     "Value should be one of: flat, rate"),
])
def test_mapping_create_validations(ctx, tree, kwargs, error, message):
    service, field, _group = tree
    ids = {'S': service.service_id, 'F': field.field_id}
    kwargs = {k: ids.get(v, v) for k, v in kwargs.items()}
    with pytest.raises(getattr(hashmap_db, error)) as err:
        hashmap_db.create_mapping(ctx, '1', **kwargs)
    assert str(err.value) == message
    assert isinstance(err.value, exception.Invalid)


def test_mapping_create_window_checks_come_first(ctx):
    with pytest.raises(validity.StartInPast):
        hashmap_db.create_mapping(ctx, '1', start=PAST)
    with pytest.raises(validity.StartAfterEnd):
        hashmap_db.create_mapping(ctx, '1', start=FUTURE + datetime.timedelta(
            days=4), end=FUTURE)


@pytest.mark.parametrize('cost', ['abc', '1000000000000', '-1e12', None])
def test_bad_costs(ctx, tree, cost):
    with pytest.raises(hashmap_db.InvalidAttribute) as err:
        hashmap_db.create_mapping(ctx, cost, service_id=tree[0].service_id)
    assert str(err.value).startswith(
        "Invalid input for field/attribute cost. Value: '%s'." % cost)


def test_decimal_precision_round_trip(ctx, tree):
    service, field, _group = tree
    exact = '999999999999.1234567890123456789012345678'
    mapping = hashmap_db.create_mapping(ctx, exact,
                                        service_id=service.service_id)
    assert str(hashmap_db.get_mapping(ctx, mapping.mapping_id).cost) == exact
    # half-even at the 28th place
    rounded = hashmap_db.create_mapping(
        ctx, '0.00000000000000000000000000025', field_id=field.field_id,
        value='a')
    # NOTE: str() of such a Decimal is '2E-28'; renderers use format 'f'
    assert format(rounded.cost, 'f') == '0.0000000000000000000000000002'
    assert format(hashmap_db.get_mapping(ctx, rounded.mapping_id).cost,
                  'f') == '0.0000000000000000000000000002'
    threshold = hashmap_db.create_threshold(ctx, 2, D('0.1'),
                                            service_id=service.service_id)
    again = hashmap_db.get_threshold(ctx, threshold.threshold_id)
    assert str(again.level) == '2.00000000'
    assert str(again.cost) == '0.1000000000000000000000000000'
    big = hashmap_db.create_threshold(ctx, '123456789012.123456785', '-1',
                                      field_id=field.field_id)
    assert str(hashmap_db.get_threshold(ctx, big.threshold_id).level) == (
        '123456789012.12345678')
    with pytest.raises(hashmap_db.InvalidAttribute):
        hashmap_db.create_threshold(ctx, '1e12', 1,
                                    service_id=service.service_id)


def test_mapping_conflicts(ctx, tree):
    service, field, group = tree
    first = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id)
    with pytest.raises(hashmap_db.MappingAlreadyExists) as err:
        hashmap_db.create_mapping(ctx, 2, service_id=service.service_id)
    assert str(err.value) == (
        "Mapping '' already exists for service '%s', tenant: 'None'"
        % service.service_id)
    # other tenant / other group: fine
    hashmap_db.create_mapping(ctx, 2, service_id=service.service_id,
                              tenant_id='T')
    hashmap_db.create_mapping(ctx, 2, service_id=service.service_id,
                              group_id=group.group_id)
    with pytest.raises(hashmap_db.MappingAlreadyExists) as err:
        hashmap_db.create_mapping(ctx, 3, service_id=service.service_id,
                                  tenant_id='T')
    assert str(err.value).endswith("tenant: 'T'")
    # field mappings: same value conflicts, other values do not
    hashmap_db.create_mapping(ctx, 1, field_id=field.field_id, value='a')
    hashmap_db.create_mapping(ctx, 1, field_id=field.field_id, value='b')
    with pytest.raises(hashmap_db.MappingAlreadyExists) as err:
        hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                  value='a')
    assert str(err.value) == (
        "Mapping 'a' already exists for field '%s', tenant: 'None'"
        % field.field_id)
    # names are global among live mappings
    with pytest.raises(hashmap_db.MappingAlreadyExists):
        hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                  value='c', name=first.name)
    hashmap_db.delete_mapping(ctx, first.mapping_id)
    hashmap_db.create_mapping(ctx, 1, field_id=field.field_id, value='c',
                              name=first.name)
    # the deleted mapping no longer blocks its key
    hashmap_db.create_mapping(ctx, 5, service_id=service.service_id)


def test_mapping_overlap_windows(ctx, tree):
    field = tree[1]
    day = datetime.timedelta(days=1)

    def create(start, end=None):
        return hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                         value='v', start=start, end=end)
    create(FUTURE, FUTURE + day)
    with pytest.raises(hashmap_db.MappingAlreadyExists):
        create(FUTURE + day / 2, FUTURE + 2 * day)   # overlaps
    with pytest.raises(hashmap_db.MappingAlreadyExists):
        create(FUTURE - day, FUTURE + day / 2)
    create(FUTURE + 2 * day, FUTURE + 3 * day)       # after: fine
    # open new rule: blocked by a later-starting existing one
    with pytest.raises(hashmap_db.MappingAlreadyExists):
        create(FUTURE - 2 * day)
    create(FUTURE + 4 * day)                          # open, after all
    with pytest.raises(hashmap_db.MappingAlreadyExists):
        create(FUTURE + 10 * day, FUTURE + 11 * day)  # open one blocks


def test_mapping_update_not_started(ctx, tree):
    service = tree[0]
    mapping = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                        start=FUTURE, description='d')
    updated = hashmap_db.update_mapping(ctx, mapping.mapping_id, {
        'cost': '3', 'type': 'rate', 'value': 'zzz',
        'end': FUTURE + datetime.timedelta(days=1)})
    assert updated.cost == 3 and updated.type == 'flat'
    assert updated.value is None and updated.start == FUTURE
    assert updated.description is None and updated.updated_by == 'alice'
    with pytest.raises(validity.StartInPast):
        hashmap_db.update_mapping(ctx, mapping.mapping_id,
                                  {'cost': 1, 'start': PAST})
    with pytest.raises(hashmap_db.InvalidAttribute):
        hashmap_db.update_mapping(ctx, mapping.mapping_id, {})


def test_mapping_update_running(ctx, tree):
    service = tree[0]
    mapping = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                        start=PAST, force=True)
    with pytest.raises(validity.RuleRunning) as err:
        hashmap_db.update_mapping(ctx, mapping.mapping_id, {'cost': '2'})
    assert str(err.value) == (
        'You are allowed to update only the attribute [end] as this rule is '
        'already running as it started on [2014-01-01 00:00:00]')
    # the 2026 client PUTs back the whole object: nothing changed
    whole = dict(vars(mapping))
    whole['cost'] = '1'
    whole['end'] = FUTURE
    updated = hashmap_db.update_mapping(ctx, mapping.mapping_id, whole)
    assert updated.end == FUTURE and updated.cost == 1
    with pytest.raises(validity.RuleFinished):
        hashmap_db.update_mapping(ctx, mapping.mapping_id, {'cost': 1})


def test_mapping_update_end_in_past(ctx, tree):
    mapping = hashmap_db.create_mapping(ctx, 1,
                                        service_id=tree[0].service_id,
                                        start=PAST, force=True)
    with pytest.raises(validity.EndInPast):
        hashmap_db.update_mapping(ctx, mapping.mapping_id,
                                  {'end': datetime.datetime(2020, 1, 1)})


def test_mapping_soft_delete(ctx, tree):
    mapping = hashmap_db.create_mapping(ctx, 1,
                                        service_id=tree[0].service_id)
    other = ck_context.RequestContext(user_id='bob', overwrite=False)
    hashmap_db.delete_mapping(other, mapping.mapping_id)
    gone = hashmap_db.get_mapping(ctx, mapping.mapping_id)
    assert gone.deleted is not None and gone.deleted_by == 'bob'
    assert hashmap_db.list_mappings(ctx) == []
    assert hashmap_db.list_mappings(ctx, deleted=True) == [gone]
    assert hashmap_db.load_ruleset(ctx).service('instance').mappings == ()
    with pytest.raises(hashmap_db.NoSuchMapping) as err:
        hashmap_db.delete_mapping(ctx, mapping.mapping_id)
    assert str(err.value) == 'No such mapping: %s' % mapping.mapping_id
    with pytest.raises(hashmap_db.NoSuchMapping):
        hashmap_db.update_mapping(ctx, mapping.mapping_id, {'cost': 1})
    with pytest.raises(hashmap_db.NoSuchMapping) as err:
        hashmap_db.get_mapping(ctx, '42')
    assert str(err.value) == 'No such mapping: 42'


def test_mapping_group_lookup(ctx, tree):
    service, _field, group = tree
    grouped = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                        group_id=group.group_id)
    plain = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id)
    assert hashmap_db.get_mapping_group(ctx, grouped.mapping_id) == group
    with pytest.raises(hashmap_db.MappingHasNoGroup) as err:
        hashmap_db.get_mapping_group(ctx, plain.mapping_id)
    assert str(err.value) == 'Mapping has no group (UUID: %s)' % (
        plain.mapping_id)
    assert hashmap_db.list_group_mappings(ctx, group.group_id) == [grouped]


def test_mapping_filters(ctx, tree):
    service, field, group = tree
    generic = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                        description='Linux Instances')
    tenant = hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                       tenant_id='T')
    grouped = hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                        value='a', group_id=group.group_id,
                                        start=FUTURE)
    old = hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                    value='b', start=PAST,
                                    end=datetime.datetime(2015, 1, 1),
                                    force=True)
    other_user = ck_context.RequestContext(user_id='bob', overwrite=False)
    bobs = hashmap_db.create_mapping(other_user, 1, field_id=field.field_id,
                                     value='c')

    def ids(**filters):
        return [m.mapping_id for m in hashmap_db.list_mappings(ctx,
                                                               **filters)]
    assert ids() == [m.mapping_id for m in (generic, tenant, grouped, old,
                                            bobs)]
    assert ids(service_id=service.service_id) == [generic.mapping_id,
                                                  tenant.mapping_id]
    assert ids(service_id=service.service_id, field_id=field.field_id) == (
        ids(service_id=service.service_id))
    assert ids(service_id=service.service_id, filter_tenant=True) == [
        generic.mapping_id]
    assert ids(service_id=service.service_id, tenant_id='T',
               filter_tenant=True) == [tenant.mapping_id]
    assert ids(service_id=service.service_id, tenant_id='T') == ids(
        service_id=service.service_id)
    assert ids(field_id=field.field_id, group_id=group.group_id) == [
        grouped.mapping_id]
    assert ids(field_id=field.field_id, no_group=True) == [
        old.mapping_id, bobs.mapping_id]
    assert ids(group_id=group.group_id, no_group=True) == [
        grouped.mapping_id]
    assert ids(service_id='unknown') == []
    assert ids(start=FUTURE) == [grouped.mapping_id]
    assert ids(end=datetime.datetime(2016, 1, 1)) == [old.mapping_id]
    assert ids(created_by='bob') == [bobs.mapping_id]
    assert ids(description='linux') == [generic.mapping_id]
    assert ids(description='%') == []
    assert ids(is_active=True) == [generic.mapping_id, tenant.mapping_id,
                                   bobs.mapping_id]
    assert ids(is_active=False) == [grouped.mapping_id, old.mapping_id]
    hashmap_db.delete_mapping(other_user, bobs.mapping_id)
    assert ids(deleted_by='bob') == []
    assert ids(deleted_by='bob', deleted=True) == [bobs.mapping_id]


def test_threshold_crud_conflicts_and_filters(ctx, tree):
    service, field, group = tree
    first = hashmap_db.create_threshold(ctx, '2', '100',
                                        service_id=service.service_id)
    assert first.type == 'flat' and first.group_id is None
    with pytest.raises(hashmap_db.ThresholdAlreadyExists) as err:
        hashmap_db.create_threshold(ctx, '2.0', 1,
                                    service_id=service.service_id)
    assert str(err.value) == (
        "Threshold '2.0' already exists for service '%s', tenant: 'None'"
        % service.service_id)
    tenant = hashmap_db.create_threshold(ctx, 2, 1, type='rate',
                                         service_id=service.service_id,
                                         tenant_id='T')
    with pytest.raises(hashmap_db.ThresholdAlreadyExists) as err:
        hashmap_db.create_threshold(ctx, 2, 1, service_id=service.service_id,
                                    tenant_id='T')
    assert str(err.value).endswith("tenant: 'T'")
    on_field = hashmap_db.create_threshold(ctx, 2, 1, field_id=field.field_id,
                                           group_id=group.group_id)
    with pytest.raises(hashmap_db.OneParentOnly):
        hashmap_db.create_threshold(ctx, 3, 1, service_id=service.service_id,
                                    field_id=field.field_id)
    with pytest.raises(hashmap_db.ParentRequired):
        hashmap_db.create_threshold(ctx, 3, 1)
    with pytest.raises(hashmap_db.InvalidGroup):
        hashmap_db.create_threshold(ctx, 3, 1, field_id=field.field_id,
                                    group_id='nope')
    with pytest.raises(hashmap_db.ThresholdFilterRequired) as err:
        hashmap_db.list_thresholds(ctx)
    assert str(err.value) == ('You must specify either service_uuid, '
                              'field_uuid or group_uuid.')
    assert hashmap_db.list_thresholds(
        ctx, service_id=service.service_id) == [first, tenant]
    assert hashmap_db.list_thresholds(
        ctx, service_id=service.service_id, filter_tenant=True) == [first]
    assert hashmap_db.list_group_thresholds(ctx, group.group_id) == [
        on_field]
    assert hashmap_db.get_threshold_group(ctx, on_field.threshold_id) == group
    with pytest.raises(hashmap_db.ThresholdHasNoGroup) as err:
        hashmap_db.get_threshold_group(ctx, first.threshold_id)
    assert str(err.value) == 'Threshold has no group (UUID: %s)' % (
        first.threshold_id)
    # update: full replacement, group only when given, conflicts checked
    updated = hashmap_db.update_threshold(ctx, first.threshold_id, level=5,
                                          cost='7', group_id=group.group_id)
    assert (updated.level, updated.cost, updated.type, updated.group_id,
            updated.tenant_id) == (5, 7, 'flat', group.group_id, None)
    updated = hashmap_db.update_threshold(ctx, first.threshold_id, level=5,
                                          cost='7', type='rate')
    assert updated.group_id == group.group_id and updated.type == 'rate'
    with pytest.raises(hashmap_db.ThresholdAlreadyExists):
        hashmap_db.update_threshold(ctx, first.threshold_id, level=2,
                                    cost=1, tenant_id='T')
    hashmap_db.delete_threshold(ctx, first.threshold_id)
    with pytest.raises(hashmap_db.NoSuchThreshold) as err:
        hashmap_db.get_threshold(ctx, first.threshold_id)
    assert str(err.value) == 'No such threshold: %s' % first.threshold_id
    with pytest.raises(hashmap_db.NoSuchThreshold):
        hashmap_db.update_threshold(ctx, first.threshold_id, level=1, cost=1)


def _populate(ctx, tree):
    service, field, group = tree
    rules = [
        hashmap_db.create_mapping(ctx, 1, service_id=service.service_id,
                                  group_id=group.group_id),
        hashmap_db.create_mapping(ctx, 1, field_id=field.field_id, value='a'),
        hashmap_db.create_threshold(ctx, 1, 1, service_id=service.service_id,
                                    group_id=group.group_id),
        hashmap_db.create_threshold(ctx, 1, 1, field_id=field.field_id),
    ]
    deleted = hashmap_db.create_mapping(ctx, 1, field_id=field.field_id,
                                        value='b')
    hashmap_db.delete_mapping(ctx, deleted.mapping_id)
    return rules + [deleted]


def _gone(ctx, rule):
    getter = (hashmap_db.get_mapping if hasattr(rule, 'mapping_id')
              else hashmap_db.get_threshold)
    try:
        getter(ctx, getattr(rule, 'mapping_id', None)
               or rule.threshold_id)
    except exception.NotFound:
        return True
    return False


def test_delete_service_is_recursive(ctx, tree):
    rules = _populate(ctx, tree)
    hashmap_db.delete_service(ctx, tree[0].service_id)
    assert all(_gone(ctx, rule) for rule in rules)
    with pytest.raises(hashmap_db.NoSuchField):
        hashmap_db.get_field(ctx, tree[1].field_id)
    assert hashmap_db.get_group(ctx, tree[2].group_id) == tree[2]


def test_delete_field_is_recursive(ctx, tree):
    rules = _populate(ctx, tree)
    hashmap_db.delete_field(ctx, tree[1].field_id)
    assert [_gone(ctx, rule) for rule in rules] == [False, True, False, True,
                                                    True]
    assert hashmap_db.list_mappings(ctx, field_id=tree[1].field_id) == []


def test_delete_group_detaches_or_deletes(ctx, tree):
    rules = _populate(ctx, tree)
    group = tree[2]
    hashmap_db.delete_group(ctx, group.group_id)
    assert hashmap_db.get_mapping(ctx, rules[0].mapping_id).group_id is None
    assert hashmap_db.get_threshold(ctx,
                                    rules[2].threshold_id).group_id is None
    with pytest.raises(hashmap_db.NoSuchGroup):
        hashmap_db.delete_group(ctx, group.group_id)
    again = hashmap_db.create_group(ctx, 'g2')
    mapping = hashmap_db.create_mapping(ctx, 1, field_id=tree[1].field_id,
                                        value='z', group_id=again.group_id)
    hashmap_db.delete_group(ctx, again.group_id, recursive=True)
    assert _gone(ctx, mapping)


def test_every_write_bumps_the_generation(ctx, tree):
    before = modules.rules_generation(ctx)
    hashmap_db.create_mapping(ctx, 1, service_id=tree[0].service_id)
    assert modules.rules_generation(ctx) == before + 1


def test_empty_tenant_is_no_tenant(ctx, tree):
    mapping = hashmap_db.create_mapping(ctx, 1, service_id=tree[0].service_id,
                                        tenant_id='')
    threshold = hashmap_db.create_threshold(
        ctx, 1, 1, service_id=tree[0].service_id, tenant_id='')
    assert mapping.tenant_id is None and threshold.tenant_id is None


def test_odd_ids_are_just_unknown(ctx, tree):
    for bad in (42, None, '', 1.5):
        with pytest.raises(hashmap_db.NoSuchService):
            hashmap_db.get_service(ctx, bad)
        with pytest.raises(hashmap_db.NoSuchMapping):
            hashmap_db.get_mapping(ctx, bad)
        with pytest.raises(hashmap_db.NoSuchThreshold):
            hashmap_db.delete_threshold(ctx, bad)
    assert hashmap_db.list_fields(ctx, 42) == []
    assert hashmap_db.list_mappings(ctx, service_id=42) == []
    assert hashmap_db.list_thresholds(ctx, group_id=42) == []


@pytest.mark.parametrize('attr', ['value', 'tenant_id', 'name',
                                  'description'])
def test_too_long_texts_are_400(ctx, tree, attr):
    limit = 256 if attr == 'description' else 255
    kwargs = {'field_id': tree[1].field_id, 'value': 'v',
              attr: 'x' * (limit + 1)}
    with pytest.raises(hashmap_db.InvalidAttribute) as err:
        hashmap_db.create_mapping(ctx, 1, **kwargs)
    assert str(err.value).endswith(
        'Value should have a maximum character requirement of %d' % limit)
    kwargs[attr] = 'x' * limit
    assert getattr(hashmap_db.create_mapping(ctx, 1, **kwargs),
                   attr) == 'x' * limit


def test_names_are_checked(ctx):
    with pytest.raises(hashmap_db.InvalidAttribute):
        hashmap_db.create_service(ctx, 'x' * 256)
    with pytest.raises(hashmap_db.InvalidAttribute):
        hashmap_db.create_group(ctx, '')
    with pytest.raises(hashmap_db.InvalidAttribute):
        hashmap_db.create_service(ctx, None)
