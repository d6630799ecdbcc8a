"""The DevStack plugin, run against stand-ins of DevStack's helpers.

A real DevStack cannot run in the test suite, so this test provides small
bash versions of the DevStack functions the plugin calls (iniset writes a
real ini file, database_connection_url points at a SQLite file, the
account and process helpers record their arguments), sources
``devstack/settings`` and ``devstack/plugin.sh`` for each phase as
``stack.sh`` does, and checks the outcome with CloudKitty itself: the
configuration it wrote parses and validates, ``cloudkitty-dbsync`` (run by
the plugin, for real) migrated the database, and the services, endpoint
and uwsgi settings are what the API and the client need.
"""

import configparser
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty import service

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent

INISET = '''
import configparser, sys
path, section, option, value = sys.argv[1:5]
parser = configparser.RawConfigParser()
parser.optionxform = str
parser.read(path)
if section != 'DEFAULT' and not parser.has_section(section):
    parser.add_section(section)
parser.set(section, option, value)
with open(path, 'w') as out:
    parser.write(out)
'''

# NOTE(ck): only what the plugin calls; each stand-in does the part of the
# real helper that the plugin relies on, and logs its call.
STUBS = r'''
calls() { printf '%s\n' "$*" >> "$CALLS"; }
die() { echo "DIE line $1: ${*:2}" >&2; exit 1; }
echo_summary() { echo "== $*"; }
sudo() { "$@"; }
get_python_exec_prefix() { echo "$VENV_BIN"; }
enable_service() {
    local s; for s in "$@"; do ENABLED_SERVICES+=",$s"; done
}
is_service_enabled() {
    local s; for s in "$@"; do
        [[ ,$ENABLED_SERVICES, == *,$s,* ]] && return 0
    done
    return 1
}
iniset() { "$PYTHON" "$INISET" "$@"; }
iniset_rpc_backend() {
    iniset "$2" DEFAULT transport_url "rabbit://guest:guest@127.0.0.1:5672/"
}
configure_keystone_authtoken_middleware() {
    iniset "$1" keystone_authtoken auth_type password
    iniset "$1" keystone_authtoken auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$1" keystone_authtoken username "$2"
    iniset "$1" keystone_authtoken password "$SERVICE_PASSWORD"
}
setup_logging() { calls setup_logging "$@"; }
database_connection_url() { echo "sqlite:///$DATA_DIR/$1.sqlite"; }
recreate_database() {
    rm -f "$DATA_DIR/$1.sqlite"
    calls recreate_database "$@"
}
write_uwsgi_config() {
    calls write_uwsgi_config "$@"
    rm -f "$1"
    iniset "$1" uwsgi module "$2"
    [[ -n "$4" ]] && iniset "$1" uwsgi http "$4"
    return 0
}
remove_uwsgi_config() { calls remove_uwsgi_config "$@"; rm -f "$1"; }
setup_develop() { calls setup_develop "$@"; }
pip_install() { calls pip_install "$@"; }
create_service_user() { calls create_service_user "$@"; }
get_or_create_role() { calls get_or_create_role "$@"; }
get_or_add_user_project_role() { calls get_or_add_user_project_role "$@"; }
get_or_create_service() { calls get_or_create_service "$@"; }
get_or_create_endpoint() { calls get_or_create_endpoint "$@"; }
run_process() { calls run_process "$@"; }
stop_process() { calls stop_process "$@"; }
wait_for_service() { calls wait_for_service "$@"; }
restart_apache_server() { calls restart_apache_server; }
'''


@pytest.fixture
def devstack(tmp_path):
    """Run plugin phases; returns (run(phases), paths)."""
    # NOTE(ck): the plugin reads etc/cloudkitty from CLOUDKITTY_DIR; give it
    # the repository's files (the metrics file ships with the collectors).
    source = tmp_path / 'src'
    shutil.copytree(ROOT / 'etc', source / 'etc')
    metrics = source / 'etc' / 'cloudkitty' / 'metrics.yml'
    if not metrics.exists():
        metrics.write_text('metrics:\n  cpu:\n    unit: instance\n')
    (tmp_path / 'iniset.py').write_text(INISET)
    (tmp_path / 'stubs.sh').write_text(STUBS)
    paths = {
        'conf_dir': tmp_path / 'etc',
        'data_dir': tmp_path / 'data',
        'calls': tmp_path / 'calls.log',
        'source': source,
    }
    paths['data_dir'].mkdir()
    env = {
        'PATH': '%s:/usr/bin:/bin' % BIN,
        'HOME': str(tmp_path),
        'PYTHON': sys.executable,
        'VENV_BIN': str(BIN),
        'INISET': str(tmp_path / 'iniset.py'),
        'CALLS': str(paths['calls']),
        'DEST': str(tmp_path / 'dest'),
        'DATA_DIR': str(paths['data_dir']),
        'STACK_USER': subprocess.run(['id', '-un'], capture_output=True,
                                     text=True, check=True).stdout.strip(),
        'SERVICE_HOST': '127.0.0.1',
        'SERVICE_PROTOCOL': 'http',
        'SERVICE_PASSWORD': 'secret',
        'SERVICE_PROJECT_NAME': 'service',
        'SERVICE_DOMAIN_NAME': 'Default',
        'SERVICE_TIMEOUT': '60',
        'KEYSTONE_SERVICE_URI': 'http://127.0.0.1/identity',
        'REGION_NAME': 'RegionOne',
        'ENABLE_DEBUG_LOG_LEVEL': 'True',
        'ENFORCE_SCOPE': 'False',
        'USE_VENV': 'False',
        'HORIZON_DIR': str(tmp_path / 'horizon'),
        'ENABLED_SERVICES': 'key,mysql,rabbit',
        'CLOUDKITTY_DIR': str(source),
        'CLOUDKITTY_CONF_DIR': str(paths['conf_dir']),
    }

    def run(*phases):
        script = ['set -e', 'source "%s"' % (tmp_path / 'stubs.sh'),
                  'source "%s"' % (ROOT / 'devstack' / 'settings')]
        script += ['source "%s" %s' % (ROOT / 'devstack' / 'plugin.sh',
                                        phase) for phase in phases]
        return subprocess.run(['bash', '-c', '\n'.join(script)], env=env,
                              capture_output=True, text=True, timeout=300)

    return run, paths


def _calls(paths):
    return paths['calls'].read_text().splitlines()


def test_stack_installs_configures_migrates_and_starts(devstack):
    run, paths = devstack
    result = run('stack install', 'stack post-config', 'stack extra')
    assert result.returncode == 0, result.stdout + result.stderr
    calls = _calls(paths)
    assert 'setup_develop %s' % paths['source'] in calls
    assert 'pip_install python-cloudkittyclient' in calls
    # No dashboard unless ck-dashboard and horizon are enabled.
    assert not any('cloudkitty-dashboard' in c for c in calls)

    # Keystone: service user, role rating granted on the rated project,
    # service type rating, endpoint at the server root (no /v1).
    assert 'create_service_user cloudkitty admin' in calls
    assert 'get_or_create_role rating' in calls
    assert 'get_or_add_user_project_role rating cloudkitty demo' in calls
    assert 'get_or_create_service cloudkitty rating OpenStack Rating' in calls
    assert ('get_or_create_endpoint rating RegionOne '
            'http://127.0.0.1:8889/') in calls

    # The configuration parses and validates with CloudKitty's options.
    conf_file = paths['conf_dir'] / 'cloudkitty.conf'
    conf = service.prepare_service(['--config-file', str(conf_file)])
    try:
        assert conf.auth_strategy == 'keystone'
        assert conf.collect.collector == 'gnocchi'
        assert conf.collect.metrics_conf == str(
            paths['conf_dir'] / 'metrics.yml')
        assert conf.fetcher.backend == 'keystone'
        assert conf.orchestrator.coordination_url == 'file://%s/locks' % (
            paths['data_dir'] / 'cloudkitty')
        assert conf.orchestrator.max_workers == 2
        db_url = conf.database.connection
    finally:
        conf.reset()
    raw = configparser.RawConfigParser()
    raw.read(conf_file)
    # NOTE(ck): oslo.messaging registers transport_url itself, when used.
    assert raw.get('DEFAULT', 'transport_url').startswith('rabbit://')
    for group in ('collector_gnocchi', 'fetcher_keystone'):
        assert raw.get(group, 'auth_type') == 'password'
        assert raw.get(group, 'username') == 'cloudkitty'
        assert raw.get(group, 'auth_url') == 'http://127.0.0.1/identity'
    assert (paths['conf_dir'] / 'metrics.yml').read_text() == (
        paths['source'] / 'etc' / 'cloudkitty' / 'metrics.yml').read_text()

    # The database was recreated and migrated by the real cloudkitty-dbsync.
    assert 'recreate_database cloudkitty' in calls
    engine = sa.create_engine(db_url)
    try:
        assert migration.version(engine) == migration.head()
    finally:
        engine.dispose()

    # uwsgi serves the WSGI module on its own HTTP port.
    uwsgi_ini = paths['conf_dir'] / 'cloudkitty-api-uwsgi.ini'
    uwsgi = configparser.RawConfigParser()
    uwsgi.read(uwsgi_ini)
    assert uwsgi.get('uwsgi', 'module') == 'cloudkitty.wsgi.api:application'
    assert uwsgi.get('uwsgi', 'http') == '127.0.0.1:8889'
    assert uwsgi.get('uwsgi', 'env') == (
        'CLOUDKITTY_CONFIG_FILE=%s' % conf_file)
    api = [c for c in calls if c.startswith('run_process ck-api ')]
    assert len(api) == 1 and api[0].endswith('--ini %s' % uwsgi_ini)
    assert ('run_process ck-proc %s/cloudkitty-processor --config-file %s'
            % (BIN, conf_file)) in calls
    assert 'wait_for_service 60 http://127.0.0.1:8889/' in calls


def test_unstack_and_clean_remove_what_stack_made(devstack):
    run, paths = devstack
    result = run('stack post-config', 'unstack', 'clean')
    assert result.returncode == 0, result.stdout + result.stderr
    calls = _calls(paths)
    assert 'stop_process ck-api' in calls
    assert 'stop_process ck-proc' in calls
    assert not (paths['conf_dir'] / 'cloudkitty.conf').exists()
    assert not (paths['conf_dir'] / 'cloudkitty-api-uwsgi.ini').exists()
    assert not (paths['data_dir'] / 'cloudkitty').exists()


def test_plugin_stops_with_a_message_without_metrics_file(devstack):
    run, paths = devstack
    for path in (paths['source'] / 'etc' / 'cloudkitty').glob('metrics*'):
        os.unlink(path)
    result = run('stack post-config')
    assert result.returncode != 0
    assert 'no metrics file for collector gnocchi' in result.stderr
