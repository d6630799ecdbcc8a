"""What ``pip install .`` really installs.

The test suite runs against an editable install, which reads every file
from the checkout and so cannot notice a file missing from the package (the
alembic environment, a migration, a data file) or an entry point naming an
object that does not exist. These tests build the wheel, inspect it, install
it (without dependencies, which the test virtualenv already has) into a
separate directory, and run the schema migrations from that copy.
"""

import configparser
import importlib
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
MIGRATIONS = ROOT / 'cloudkitty' / 'db' / 'migrations'

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """Path of a wheel built from the checkout (the way pip builds it)."""
    out = tmp_path_factory.mktemp('wheel')
    # NOTE(ck): setuptools builds in <source>/build and reuses what it finds
    # there, so a file deleted from the checkout could still reach the
    # wheel. Build from a fresh copy of the sources instead; that also keeps
    # the checkout clean and lets parallel runs build side by side.
    source = tmp_path_factory.mktemp('source') / 'cloudkitty'
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        '.git', '.venv*', '.tox', 'build', 'dist', '*.egg-info',
        '__pycache__', '.quickstart', '.hypothesis', '.pytest_cache',
        '*.so'))
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q',
         '-w', str(out), str(source)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob('cloudkitty-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _names(wheel):
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_holds_the_alembic_environment_and_every_migration(wheel):
    names = _names(wheel)
    expected = {'cloudkitty/db/migrations/alembic.ini',
                'cloudkitty/db/migrations/script.py.mako',
                'cloudkitty/db/migrations/env.py'}
    versions = sorted((MIGRATIONS / 'versions').glob('*.py'))
    assert any(v.name != '__init__.py' for v in versions)
    expected.update('cloudkitty/db/migrations/versions/%s' % v.name
                    for v in versions)
    assert expected - names == set()


def test_wheel_ships_the_configuration_examples(wheel):
    names = _names(wheel)
    data = {n.split('/data/', 1)[1] for n in names if '.data/data/' in n}
    for path in (ROOT / 'etc' / 'cloudkitty').iterdir():
        assert 'share/cloudkitty/%s' % path.name in data
    units = list((ROOT / 'etc' / 'systemd').iterdir())
    assert any(p.suffix == '.timer' for p in units)
    for path in units:
        assert 'share/cloudkitty/systemd/%s' % path.name in data


def test_every_entry_point_of_the_wheel_resolves(wheel):
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist()
                    if n.endswith('.dist-info/entry_points.txt'))
        text = zf.read(meta).decode()
    parser = configparser.ConfigParser()
    parser.optionxform = str
    parser.read_string(text)
    assert 'cloudkitty-dbsync' in parser['console_scripts']
    checked = 0
    for group in parser.sections():
        for name, target in parser[group].items():
            module_name, _, attr = target.partition(':')
            obj = importlib.import_module(module_name.strip())
            for part in filter(None, attr.strip().split('.')):
                obj = getattr(obj, part, None)
                assert obj is not None, '%s %s = %s' % (group, name, target)
            checked += 1
    assert checked >= 4


def test_wheel_carries_the_compiled_pricing_loop(wheel):
    # pip compiles the optional C loop when it can (a compiler is part of
    # this test machine); its source ships in the sdist
    from cloudkitty.tests import db_backends
    built = [n for n in _names(wheel)
             if n.startswith('cloudkitty/rating/hashmap/_pricing.')
             and n.endswith('.so')]
    if not built:
        db_backends.unavailable('no C compiler: the wheel has no _pricing')
    assert len(built) == 1, built


def test_installed_copy_migrates_a_database(wheel, tmp_path):
    target = tmp_path / 'site'
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
         '--no-compile', '--target', str(target), str(wheel)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = tmp_path / 'ck.sqlite'
    conf = tmp_path / 'cloudkitty.conf'
    conf.write_text('[database]\nconnection = sqlite:///%s\n' % db)
    # NOTE(ck): PYTHONPATH comes before site-packages, so the subprocess
    # imports the installed copy, not the editable checkout; the script
    # checks that, then runs the dbsync command and reads the revision.
    script = (
        'import sys, cloudkitty\n'
        'assert cloudkitty.__file__.startswith(%r), cloudkitty.__file__\n'
        'from cloudkitty.cmd import dbsync\n'
        'dbsync.main(["--config-file", %r, "upgrade"])\n'
        'from cloudkitty.db import migration\n'
        'import sqlalchemy as sa\n'
        'engine = sa.create_engine("sqlite:///%s")\n'
        'assert migration.version(engine) == migration.head()\n'
        'from cloudkitty.rating.hashmap import index\n'
        'assert index.NATIVE is None or index.NATIVE.__file__.startswith('
        '%r)\n'
        'print(migration.version(engine))\n'
        % (str(target), str(conf), db, str(target)))
    env = {'PYTHONPATH': str(target), 'PATH': '/usr/bin:/bin'}
    proc = subprocess.run([sys.executable, '-c', script], env=env,
                          cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from cloudkitty.db import migration
    assert proc.stdout.strip() == migration.head()
