"""``/v1/rating/module_config/pyscripts``: the scripts API (§3.5).

Mounted through the ``cloudkitty.rating.controllers`` entry point; every
handler checks ``rating:module_config`` first. PUT answers 201 with the
script (upstream behaviour the client relies on) and ``Location`` =
``.../scripts/<id>``.
"""

import pecan
from pecan import rest
from wsme import api as wsme_api

from cloudkitty.api.expose import expose
from cloudkitty.api import notify
from cloudkitty.api import types as ck_types
from cloudkitty.policies import rating as policies
from cloudkitty.rating.pyscripts import db as pyscripts_db
from cloudkitty.rating.pyscripts import api_types as ps_types


def _authorize():
    ctx = pecan.request.context
    ctx.can(policies.MODULE_CONFIG)
    return ctx


def _location(script_id):
    url = pecan.request.path_url.rstrip('/')
    if not url.endswith('/' + script_id):
        url += '/' + script_id
    return url


class ScriptsController(rest.RestController):
    """``P/scripts[/<script_id>]``."""

    @expose(ps_types.ScriptCollection, ck_types.Boolean, ck_types.Boolean,
            ck_types.DateTime, ck_types.DateTime, ck_types.Text,
            ck_types.Text, ck_types.Text, ck_types.Text, ck_types.Boolean)
    def get_all(self, no_data=False, deleted=False, start=None, end=None,
                created_by=None, updated_by=None, deleted_by=None,
                description=None, is_active=None):
        ctx = _authorize()
        scripts = pyscripts_db.list_scripts(
            ctx, no_data=bool(no_data), deleted=bool(deleted), start=start,
            end=end, created_by=created_by, updated_by=updated_by,
            deleted_by=deleted_by, description=description,
            is_active=is_active)
        return ps_types.ScriptCollection(scripts=[
            ps_types.to_api(s, with_data=not no_data) for s in scripts])

    @expose(ps_types.Script, ck_types.Text)
    def get_one(self, script_id):
        ctx = _authorize()
        return ps_types.to_api(pyscripts_db.get_script(ctx, script_id))

    @expose(ps_types.Script, ck_types.Boolean, body=ps_types.Script,
            status_code=201)
    def post(self, force=False, script_data=None):
        ctx = _authorize()
        data = ps_types.sent(script_data)
        script = pyscripts_db.create_script(
            ctx, data.get('name'), data=data.get('data'),
            start=data.get('start'), end=data.get('end'),
            description=data.get('description'), force=bool(force))
        notify.rules_changed(pecan.request.conf)
        pecan.response.headers['Location'] = _location(script.script_id)
        return wsme_api.Response(ps_types.to_api(script), status_code=201,
                                 return_type=ps_types.Script)

    @expose(ps_types.Script, ck_types.Text, body=ps_types.Script,
            status_code=201)
    def put(self, script_id, script_data):
        ctx = _authorize()
        script = pyscripts_db.update_script(ctx, script_id,
                                            ps_types.sent(script_data))
        notify.rules_changed(pecan.request.conf)
        pecan.response.headers['Location'] = _location(script.script_id)
        return ps_types.to_api(script)

    @expose(None, ck_types.Text, status_code=204)
    def delete(self, script_id):
        ctx = _authorize()
        pyscripts_db.delete_script(ctx, script_id)
        notify.rules_changed(pecan.request.conf)


class PyScriptsController(rest.RestController):
    """``/v1/rating/module_config/pyscripts``."""

    scripts = ScriptsController()
