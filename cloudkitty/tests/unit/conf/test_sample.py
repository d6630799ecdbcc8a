"""The generated sample files are current, and options are declared once."""

import os
import subprocess
import sys

import pytest

from cloudkitty.conf import opts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def _generate(tool, config, output):
    # NOTE(ck): run the real generator (as tox -e genconfig does) into a
    # temporary file, then compare with the committed sample.
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, tool), '--config-file',
                    os.path.join(ROOT, config), '--output-file', output],
                   check=True, cwd=ROOT, capture_output=True)
    with open(output) as f:
        return f.read()


@pytest.mark.parametrize('tool,config,sample', [
    ('oslo-config-generator',
     'etc/oslo-config-generator/cloudkitty.conf',
     'etc/cloudkitty/cloudkitty.conf.sample'),
    ('oslopolicy-sample-generator',
     'etc/oslo-policy-generator/cloudkitty.conf',
     'etc/cloudkitty/policy.yaml.sample'),
])
def test_sample_is_current(tmp_path, tool, config, sample):
    generated = _generate(tool, config, str(tmp_path / 'out'))
    with open(os.path.join(ROOT, sample)) as f:
        committed = f.read()
    assert generated == committed, (
        '%s is stale: run tox -e genconfig / genpolicy' % sample)


def test_every_group_is_listed_once():
    names = [group for group, _ in opts.list_opts()]
    assert len(names) == len(set(names))
    assert {'DEFAULT', 'api', 'collect', 'orchestrator', 'fetcher',
            'storage'} <= set(names)


def test_registration_does_not_touch_global_conf():
    from oslo_config import cfg

    from cloudkitty import conf as ck_conf
    before = set(cfg.CONF)
    ck_conf.register_opts(cfg.ConfigOpts())
    assert set(cfg.CONF) == before


def test_defaults_of_the_spec(conf):
    assert conf.api.port == 8889
    assert conf.collect.period == 3600
    assert conf.collect.wait_periods == 2
    assert conf.collect.scope_key == 'project_id'
    assert conf.storage.backend == 'sqlalchemy'
    assert conf.database.connection == (
        'sqlite:////var/lib/cloudkitty/cloudkitty.sqlite')
