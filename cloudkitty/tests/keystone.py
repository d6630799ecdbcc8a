"""A real Keystone (PyPI ``keystone``) for authentication tests.

Keystone runs from its own virtualenv (its dependencies do not belong in
ours): ``$CK_KEYSTONE_VENV``, default
``~/.cache/cloudkitty-tests/keystone-venv``, created with ``pip install
keystone gunicorn`` when missing (2-3 minutes; ``tools/ci/install-services.sh``
does it before the tests in CI). The database, fernet and credential keys are
prepared once per venv in a template directory and copied for each server,
which brings a start down to a few seconds. gunicorn serves
``keystone.wsgi.api`` on 127.0.0.1 and an ephemeral port.

:func:`start` returns a :class:`Keystone` with projects ``A`` and ``B`` and
users ``admin_a`` (admin of A), ``member_a``, ``reader_a`` (member/reader of
A) and ``member_b`` (member of B), plus a service user for
keystonemiddleware.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ADMIN_PASSWORD = 'adminpw'
PASSWORD = 'secretpw'

_CONF = """\
[DEFAULT]
log_file = {dir}/keystone.log
[database]
connection = sqlite:///{dir}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {dir}/fernet-keys
[fernet_receipts]
key_repository = {dir}/fernet-receipts
[credential]
key_repository = {dir}/credential-keys
"""

# NOTE(ck): keystone parses sys.argv when it loads its configuration; under
# gunicorn that is gunicorn's command line, so every worker would exit.
_WSGI = """\
import sys
sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa
"""


class KeystoneUnavailable(Exception):
    pass


def venv_path():
    return os.environ.get('CK_KEYSTONE_VENV', os.path.join(
        os.path.expanduser('~'), '.cache', 'cloudkitty-tests',
        'keystone-venv'))


def _run(*cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise KeystoneUnavailable('%s failed: %s' % (
            ' '.join(cmd[:3]), (result.stderr or result.stdout)[-2000:]))
    return result


def ensure_venv():
    """The Keystone virtualenv, created on first use."""
    venv = venv_path()
    if os.path.exists(os.path.join(venv, 'bin', 'gunicorn')) and \
            os.path.exists(os.path.join(venv, 'bin', 'keystone-manage')):
        return venv
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    _run(sys.executable, '-m', 'venv', venv)
    _run(os.path.join(venv, 'bin', 'pip'), 'install', '-q', 'keystone',
         'gunicorn', timeout=900)
    return venv


def _write_conf(directory):
    with open(os.path.join(directory, 'keystone.conf'), 'w') as handle:
        handle.write(_CONF.format(dir=directory))
    with open(os.path.join(directory, 'ks_wsgi.py'), 'w') as handle:
        handle.write(_WSGI)


def _template(venv):
    """A directory holding a bootstrapped database and keys (built once).

    The bootstrap URL is a placeholder: the catalog is not used by the
    tests (clients are given the API endpoint).
    """
    template = os.path.join(venv, 'ck-template')
    if os.path.exists(os.path.join(template, 'ready')):
        return template
    shutil.rmtree(template, ignore_errors=True)
    os.makedirs(template)
    _write_conf(template)
    manage = [os.path.join(venv, 'bin', 'keystone-manage'), '--config-file',
              os.path.join(template, 'keystone.conf')]
    user, group = _owner()
    _run(*manage, 'db_sync')
    _run(*manage, 'fernet_setup', '--keystone-user', user,
         '--keystone-group', group)
    _run(*manage, 'credential_setup', '--keystone-user', user,
         '--keystone-group', group)
    url = 'http://127.0.0.1:5000/v3'
    _run(*manage, 'bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
         '--bootstrap-username', 'admin', '--bootstrap-project-name',
         'admin', '--bootstrap-role-name', 'admin',
         '--bootstrap-service-name', 'keystone', '--bootstrap-region-id',
         'RegionOne', '--bootstrap-admin-url', url,
         '--bootstrap-public-url', url, '--bootstrap-internal-url', url)
    open(os.path.join(template, 'ready'), 'w').close()
    return template


def _owner():
    import grp
    import pwd
    return (pwd.getpwuid(os.getuid()).pw_name,
            grp.getgrgid(os.getgid()).gr_name)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Keystone:
    """A running Keystone with the test projects and users."""

    def __init__(self, directory, port, pid):
        self.directory = directory
        self.port = port
        self.pid = pid
        self.url = 'http://127.0.0.1:%d/v3' % port
        self.projects = {}
        self.users = {}

    def add_rating_endpoint(self, url):
        """Register the CloudKitty API (service type ``rating``)."""
        admin = self.session('admin', project=None, password=ADMIN_PASSWORD)
        service = admin.post(self.url + '/services', json={'service': {
            'type': 'rating', 'name': 'cloudkitty'}}).json()['service']
        for interface in ('public', 'internal', 'admin'):
            admin.post(self.url + '/endpoints', json={'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'url': url, 'region_id': 'RegionOne'}})

    def session(self, username, project='A', password=PASSWORD):
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        if project is None:
            scope = {'project_name': 'admin', 'project_domain_id': 'default'}
        else:
            scope = {'project_id': self.projects[project]}
        return session.Session(auth=v3.Password(
            auth_url=self.url, username=username, password=password,
            user_domain_id='default', **scope))

    def token(self, username, project='A'):
        return self.session(username, project).get_token()

    def authtoken_options(self):
        """``[keystone_authtoken]`` options for the service user."""
        return {
            'www_authenticate_uri': self.url, 'auth_url': self.url,
            'auth_type': 'password', 'username': 'cloudkitty',
            'password': PASSWORD, 'project_name': 'service',
            'user_domain_id': 'default', 'project_domain_id': 'default',
        }

    def stop(self):
        try:
            os.kill(self.pid, 15)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _populate(self):
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        admin = session.Session(auth=v3.Password(
            auth_url=self.url, username='admin', password=ADMIN_PASSWORD,
            user_domain_id='default', project_name='admin',
            project_domain_id='default'))

        def call(method, path, body=None):
            resp = admin.request(self.url + path, method, json=body,
                                 raise_exc=False)
            if resp.status_code >= 400:
                raise KeystoneUnavailable('%s %s -> %s %s' % (
                    method, path, resp.status_code, resp.text))
            return resp.json() if resp.text else None

        # The template was bootstrapped with a placeholder URL: point the
        # identity endpoints at this server (keystonemiddleware validates
        # tokens through the catalog).
        for endpoint in call('GET', '/endpoints')['endpoints']:
            call('PATCH', '/endpoints/%s' % endpoint['id'],
                 {'endpoint': {'url': self.url}})
        roles = {r['name']: r['id'] for r in call('GET', '/roles')['roles']}
        for name in ('A', 'B', 'service'):
            self.projects[name] = call('POST', '/projects', {'project': {
                'name': name, 'domain_id': 'default'}})['project']['id']
        grants = {
            'admin_a': ('A', 'admin'), 'member_a': ('A', 'member'),
            'reader_a': ('A', 'reader'), 'member_b': ('B', 'member'),
            'cloudkitty': ('service', 'admin'),
        }
        for user, (project, role) in grants.items():
            user_id = call('POST', '/users', {'user': {
                'name': user, 'password': PASSWORD,
                'domain_id': 'default'}})['user']['id']
            self.users[user] = user_id
            call('PUT', '/projects/%s/users/%s/roles/%s' % (
                self.projects[project], user_id, roles[role]))
        call('PUT', '/projects/%s/users/%s/roles/%s' % (
            self.projects['service'], self.users['cloudkitty'],
            roles['service']))


def start():
    """Start a Keystone; :raises KeystoneUnavailable: with the reason."""
    venv = ensure_venv()
    template = _template(venv)
    directory = tempfile.mkdtemp(prefix='ck-keystone-')
    for name in ('keystone.db', 'fernet-keys', 'fernet-receipts',
                 'credential-keys'):
        source = os.path.join(template, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(directory, name))
        else:
            shutil.copy(source, os.path.join(directory, name))
    _write_conf(directory)
    port = _free_port()
    env = dict(os.environ, OS_KEYSTONE_CONFIG_DIR=directory,
               OS_KEYSTONE_CONFIG_FILES='keystone.conf')
    log = open(os.path.join(directory, 'gunicorn.log'), 'w')
    process = subprocess.Popen(
        [os.path.join(venv, 'bin', 'gunicorn'), '-w', '2', '-b',
         '127.0.0.1:%d' % port, '--no-control-socket', '--chdir',
         directory, '--pythonpath', directory, 'ks_wsgi:application'],
        env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    keystone = Keystone(directory, port, process.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(keystone.url, timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        keystone.stop()
        raise KeystoneUnavailable('keystone did not answer on %s'
                                  % keystone.url)
    if process.poll() is not None:
        with open(os.path.join(directory, 'gunicorn.log')) as handle:
            raise KeystoneUnavailable('gunicorn exited: %s'
                                      % handle.read()[-2000:])
    keystone._populate()
    return keystone
