"""``/v1/rating/module_config/hashmap``: the hashmap rules API (§3.4).

Mounted through the ``cloudkitty.rating.controllers`` entry point. Every
handler checks ``rating:module_config`` first. Ids may come from the path
or, as the 2026 client sends them, from the JSON body on the collection URL
(``DELETE .../services/ {"service_id": ...}``, ``PUT .../mappings/
{"mapping_id": ...}``). Writes answer 201 (create), 302 (mapping and
threshold update: keystoneauth then repeats the PUT, so updates are
idempotent) or 204 (delete), and tell the processors that rules changed.
"""

import pecan
from pecan import rest
from wsme import api as wsme_api

from cloudkitty.api.expose import expose
from cloudkitty.api import notify
from cloudkitty.api import types as ck_types
from cloudkitty.policies import rating as policies
from cloudkitty.rating.hashmap import db as hashmap_db
from cloudkitty.rating.hashmap import types as hm_types
from cloudkitty.rating import validity


def _authorize():
    """The caller's context, once ``rating:module_config`` allowed it."""
    ctx = pecan.request.context
    ctx.can(policies.MODULE_CONFIG)
    return ctx


def _changed():
    notify.rules_changed(pecan.request.conf)


def _created(obj, type_, new_id):
    """201 with ``Location`` = request URL + new id (§1.9)."""
    url = pecan.request.path_url
    if not url.endswith('/'):
        url += '/'
    pecan.response.headers['Location'] = url + new_id
    return wsme_api.Response(hm_types.to_api(type_, obj), status_code=201,
                             return_type=type_)


def _found():
    """302 with ``Location`` = the request URL as sent (§1.9)."""
    pecan.response.headers['Location'] = pecan.request.path_url


class TypesController(rest.RestController):
    """``H/types``: the mapping types (a bare list)."""

    @expose([ck_types.Text])
    def get_all(self):
        _authorize()
        return list(hm_types.MAP_TYPES)


class ServicesController(rest.RestController):
    """``H/services[/<service_id>[/fields|/mappings]]``."""

    @expose(hm_types.ServiceCollection)
    def get_all(self):
        ctx = _authorize()
        return hm_types.ServiceCollection(services=[
            hm_types.to_api(hm_types.Service, s)
            for s in hashmap_db.list_services(ctx)])

    @expose(hm_types.Service, ck_types.Text)
    def get_one(self, service_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Service,
                               hashmap_db.get_service(ctx, service_id))

    @expose(hm_types.Service, body=hm_types.Service, status_code=201)
    def post(self, service_data):
        ctx = _authorize()
        service = hashmap_db.create_service(ctx, service_data.name)
        _changed()
        return _created(service, hm_types.Service, service.service_id)

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, service_id):
        ctx = _authorize()
        hashmap_db.delete_service(ctx, service_id)
        _changed()

    @pecan.expose()
    def _lookup(self, service_id, *remainder):
        # Nested forms kept from upstream (§3.4.3).
        if remainder and remainder[0] == 'fields':
            return NestedFieldsController(service_id), remainder[1:]
        if remainder and remainder[0] == 'mappings':
            return NestedMappingsController(service_id), remainder[1:]
        return None


class NestedFieldsController(rest.RestController):
    """``H/services/<service_id>/fields`` = ``H/fields?service_id=``."""

    def __init__(self, service_id):
        self._service_id = service_id

    @expose(hm_types.FieldCollection)
    def get_all(self):
        ctx = _authorize()
        return _fields(ctx, self._service_id)


class NestedMappingsController(rest.RestController):
    """``H/services/<service_id>/mappings`` = ``H/mappings?service_id=``."""

    def __init__(self, service_id):
        self._service_id = service_id

    @expose(hm_types.MappingCollection)
    def get_all(self):
        ctx = _authorize()
        return _mappings(hashmap_db.list_mappings(
            ctx, service_id=self._service_id))


def _fields(ctx, service_id):
    return hm_types.FieldCollection(fields=[
        hm_types.to_api(hm_types.Field, f)
        for f in hashmap_db.list_fields(ctx, service_id)])


def _mappings(mappings):
    return hm_types.MappingCollection(mappings=[
        hm_types.to_api(hm_types.Mapping, m) for m in mappings])


def _thresholds(thresholds):
    return hm_types.ThresholdCollection(thresholds=[
        hm_types.to_api(hm_types.Threshold, t) for t in thresholds])


class FieldsController(rest.RestController):
    """``H/fields[/<field_id>]``."""

    @expose(hm_types.FieldCollection, ck_types.Text)
    def get_all(self, service_id):
        ctx = _authorize()
        return _fields(ctx, service_id)

    @expose(hm_types.Field, ck_types.Text)
    def get_one(self, field_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Field,
                               hashmap_db.get_field(ctx, field_id))

    @expose(hm_types.Field, body=hm_types.Field, status_code=201)
    def post(self, field_data):
        ctx = _authorize()
        field = hashmap_db.create_field(ctx, field_data.service_id,
                                        field_data.name)
        _changed()
        return _created(field, hm_types.Field, field.field_id)

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, field_id):
        ctx = _authorize()
        hashmap_db.delete_field(ctx, field_id)
        _changed()


class GroupsController(rest.RestController):
    """``H/groups[/<group_id>]``, ``H/groups/mappings|thresholds?group_id=``.
    """

    _custom_actions = {'mappings': ['GET'], 'thresholds': ['GET']}

    @expose(hm_types.GroupCollection)
    def get_all(self):
        ctx = _authorize()
        return hm_types.GroupCollection(groups=[
            hm_types.to_api(hm_types.Group, g)
            for g in hashmap_db.list_groups(ctx)])

    @expose(hm_types.Group, ck_types.Text)
    def get_one(self, group_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Group,
                               hashmap_db.get_group(ctx, group_id))

    @expose(hm_types.MappingCollection, ck_types.Text)
    def mappings(self, group_id):
        ctx = _authorize()
        return _mappings(hashmap_db.list_group_mappings(ctx, group_id))

    @expose(hm_types.ThresholdCollection, ck_types.Text)
    def thresholds(self, group_id):
        ctx = _authorize()
        return _thresholds(hashmap_db.list_group_thresholds(ctx, group_id))

    @expose(hm_types.Group, body=hm_types.Group, status_code=201)
    def post(self, group_data):
        ctx = _authorize()
        group = hashmap_db.create_group(ctx, group_data.name)
        _changed()
        return _created(group, hm_types.Group, group.group_id)

    @expose(None, ck_types.Text, ck_types.Boolean, status_code=204)
    def delete(self, group_id, recursive=False):
        ctx = _authorize()
        hashmap_db.delete_group(ctx, group_id, recursive=bool(recursive))
        _changed()


class MappingsController(rest.RestController):
    """``H/mappings[/<mapping_id>]``, ``H/mappings/group?mapping_id=``."""

    _custom_actions = {'group': ['GET']}

    @expose(hm_types.MappingCollection, ck_types.Text, ck_types.Text,
            ck_types.Text, ck_types.Boolean, ck_types.Text, ck_types.Boolean,
            ck_types.Boolean, ck_types.DateTime, ck_types.DateTime,
            ck_types.Text, ck_types.Text, ck_types.Text, ck_types.Text,
            ck_types.Boolean, ck_types.Boolean)
    def get_all(self, service_id=None, field_id=None, group_id=None,
                no_group=False, tenant_id=None, filter_tenant=False,
                deleted=False, start=None, end=None, created_by=None,
                updated_by=None, deleted_by=None, description=None,
                is_active=None, all=True):
        ctx = _authorize()
        return _mappings(hashmap_db.list_mappings(
            ctx, service_id=service_id, field_id=field_id,
            group_id=group_id, no_group=bool(no_group), tenant_id=tenant_id,
            filter_tenant=bool(filter_tenant), deleted=bool(deleted),
            start=start, end=end, created_by=created_by,
            updated_by=updated_by, deleted_by=deleted_by,
            description=description, is_active=is_active))

    @expose(hm_types.Mapping, ck_types.Text)
    def get_one(self, mapping_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Mapping,
                               hashmap_db.get_mapping(ctx, mapping_id))

    @expose(hm_types.Group, ck_types.Text)
    def group(self, mapping_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Group,
                               hashmap_db.get_mapping_group(ctx, mapping_id))

    @expose(hm_types.Mapping, ck_types.Boolean, body=hm_types.Mapping,
            status_code=201)
    def post(self, force=False, mapping_data=None):
        ctx = _authorize()
        data = hm_types.sent(mapping_data)
        mapping = hashmap_db.create_mapping(
            ctx, data['cost'], type=data.get('type') or 'flat',
            value=data.get('value'), service_id=data.get('service_id'),
            field_id=data.get('field_id'), group_id=data.get('group_id'),
            tenant_id=data.get('tenant_id'), start=data.get('start'),
            end=data.get('end'), name=data.get('name'),
            description=data.get('description'), force=bool(force))
        _changed()
        return _created(mapping, hm_types.Mapping, mapping.mapping_id)

    @expose(None, ck_types.Text, body=hm_types.Mapping, status_code=302)
    def put(self, mapping_id, mapping):
        ctx = _authorize()
        sent = hm_types.sent(mapping)
        current = hashmap_db.get_mapping(ctx, mapping_id)
        # NOTE(ck): keystoneauth answers our 302 by sending the same PUT
        # again (§1.9). Once the first one is applied, the repeats change
        # nothing, and must not fail the window checks ("already ended").
        if current.deleted is not None or not _same(current, sent):
            hashmap_db.update_mapping(ctx, mapping_id, sent)
            _changed()
        _found()

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, mapping_id):
        ctx = _authorize()
        hashmap_db.delete_mapping(ctx, mapping_id)
        _changed()


# Attributes a mapping update may change (§3.4.6).
_UPDATABLE = ('cost', 'start', 'end', 'description')


def _same(current, sent):
    """True when applying ``sent`` would change nothing in ``current``:
    no updatable attribute differs, and no other one counts as changed
    (the test a running mapping's update applies, spec §4.6 rule 2, so
    that a new ``type``, ``value`` or ``tenant_id`` still reaches it and
    is refused)."""
    if not all(sent[name] == getattr(current, name)
               for name in _UPDATABLE if name in sent):
        return False
    stored = {name: getattr(current, name) for name in sent
              if name not in _UPDATABLE
              and name in current.__dataclass_fields__}
    return not validity.changed_attributes(
        {name: sent[name] for name in stored}, stored)


class ThresholdsController(rest.RestController):
    """``H/thresholds[/<threshold_id>]``,
    ``H/thresholds/group?threshold_id=``."""

    _custom_actions = {'group': ['GET']}

    @expose(hm_types.ThresholdCollection, ck_types.Text, ck_types.Text,
            ck_types.Text, ck_types.Boolean, ck_types.Text, ck_types.Boolean)
    def get_all(self, service_id=None, field_id=None, group_id=None,
                no_group=False, tenant_id=None, filter_tenant=False):
        ctx = _authorize()
        return _thresholds(hashmap_db.list_thresholds(
            ctx, service_id=service_id, field_id=field_id,
            group_id=group_id, no_group=bool(no_group), tenant_id=tenant_id,
            filter_tenant=bool(filter_tenant)))

    @expose(hm_types.Threshold, ck_types.Text)
    def get_one(self, threshold_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Threshold,
                               hashmap_db.get_threshold(ctx, threshold_id))

    @expose(hm_types.Group, ck_types.Text)
    def group(self, threshold_id):
        ctx = _authorize()
        return hm_types.to_api(hm_types.Group, hashmap_db.get_threshold_group(
            ctx, threshold_id))

    @expose(hm_types.Threshold, body=hm_types.Threshold, status_code=201)
    def post(self, threshold_data):
        ctx = _authorize()
        data = hm_types.sent(threshold_data)
        threshold = hashmap_db.create_threshold(
            ctx, data['level'], data['cost'],
            type=data.get('type') or 'flat',
            service_id=data.get('service_id'),
            field_id=data.get('field_id'), group_id=data.get('group_id'),
            tenant_id=data.get('tenant_id'))
        _changed()
        return _created(threshold, hm_types.Threshold,
                        threshold.threshold_id)

    @expose(None, ck_types.Text, body=hm_types.Threshold, status_code=302)
    def put(self, threshold_id, threshold):
        ctx = _authorize()
        data = hm_types.sent(threshold)
        current = hashmap_db.get_threshold(ctx, threshold_id)
        # NOTE(ck): as for mappings, the repeats of the 302 loop must be
        # cheap: skip the write (and the broadcast) when nothing changes.
        # Omitted type means flat and omitted tenant_id means none (§3.4.7).
        wanted = {
            'level': data.get('level', current.level),
            'cost': data.get('cost', current.cost),
            'type': data.get('type') or 'flat',
            'tenant_id': data.get('tenant_id'),
            'group_id': data.get('group_id') or current.group_id,
        }
        if any(getattr(current, name) != value
               for name, value in wanted.items()):
            hashmap_db.update_threshold(
                ctx, threshold_id, level=data.get('level'),
                cost=data.get('cost'), type=data.get('type'),
                tenant_id=data.get('tenant_id'),
                group_id=data.get('group_id'))
            _changed()
        _found()

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, threshold_id):
        ctx = _authorize()
        hashmap_db.delete_threshold(ctx, threshold_id)
        _changed()


class HashMapController(rest.RestController):
    """``/v1/rating/module_config/hashmap``."""

    types = TypesController()
    services = ServicesController()
    fields = FieldsController()
    groups = GroupsController()
    mappings = MappingsController()
    thresholds = ThresholdsController()
