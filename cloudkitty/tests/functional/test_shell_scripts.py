"""shellcheck is clean on every shell script of the repository.

The DevStack plugin cannot run here (it needs a whole DevStack), so static
analysis is the first line of defence for it; test_devstack_plugin.py runs
its functions against stand-ins of DevStack's helpers.
"""

import pathlib
import shutil
import subprocess

import pytest

from cloudkitty.tests import db_backends

ROOT = pathlib.Path(__file__).resolve().parents[3]

SCRIPTS = sorted(
    {ROOT / 'devstack' / 'settings', ROOT / '.ci' / 'run'}
    | set((ROOT / 'tools').rglob('*.sh'))
    | set((ROOT / 'devstack').rglob('*.sh')),
    key=str)


@pytest.fixture(scope='module')
def shellcheck():
    path = shutil.which('shellcheck')
    if path is None:
        db_backends.unavailable('shellcheck is not installed '
                                '(apt-get install shellcheck)')
    return path


@pytest.mark.parametrize('script', SCRIPTS,
                         ids=[str(s.relative_to(ROOT)) for s in SCRIPTS])
def test_shellcheck_clean(shellcheck, script):
    proc = subprocess.run([shellcheck, str(script)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_shell_tool_covers_every_script(shellcheck):
    proc = subprocess.run([str(ROOT / 'tools' / 'check-shell.sh')],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == 'shellcheck: %d files clean' % len(SCRIPTS)
