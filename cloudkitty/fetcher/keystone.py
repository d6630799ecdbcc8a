"""Keystone fetcher: projects on which CloudKitty has the ``rating`` role.

The CloudKitty service user (``[fetcher_keystone]`` credentials) is given
the ``rating`` role on every project to rate::

    openstack role add --user cloudkitty --project <project> rating

The fetcher lists its role assignments for that role (effective ones, so
group and inherited assignments count). ``ignore_rating_role`` rates every
project instead; ``ignore_disabled_tenants`` skips disabled projects. It
talks to the Identity v3 API with keystoneauth only (version discovery
accepts versioned or unversioned ``auth_url``/catalog URLs).
"""

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from cloudkitty.collector import session as ck_session
from cloudkitty import fetcher

GROUP = 'fetcher_keystone'

RATING_ROLE = 'rating'


class KeystoneFetcher(fetcher.BaseFetcher):
    """Projects to rate according to Keystone."""

    name = 'keystone'

    def __init__(self, conf):
        super().__init__(conf)
        self._options = conf[GROUP]
        self._session = ck_session.load_session(conf, GROUP)
        self._identity = adapter.Adapter(
            self._session, service_type='identity',
            interface=self._options.interface,
            region_name=self._options.region_name, version=(3, 0))

    def _get(self, path, key, **params):
        return self._identity.get(path, params=params).json()[key]

    def _rated_project_ids(self):
        roles = self._get('/roles', 'roles', name=RATING_ROLE)
        if not roles:
            return set()
        user_id = self._session.get_user_id()
        assignments = self._get('/role_assignments', 'role_assignments',
                                **{'user.id': user_id,
                                   'role.id': roles[0]['id'],
                                   'effective': 'true'})
        return {a['scope']['project']['id'] for a in assignments
                if 'project' in a.get('scope', {})}

    def get_scopes(self):
        try:
            projects = self._get('/projects', 'projects')
            if self._options.ignore_rating_role:
                wanted = {p['id'] for p in projects}
            else:
                wanted = self._rated_project_ids()
        except ks_exc.ClientException as err:
            raise fetcher.FetchError(fetcher=self.name, reason=str(err))
        if self._options.ignore_disabled_tenants:
            enabled = {p['id'] for p in projects if p.get('enabled', True)}
            wanted &= enabled
        return sorted(wanted)
